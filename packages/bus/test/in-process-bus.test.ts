import { createInProcessBus } from '@vexil/bus';
import { runBusContract } from './contract.js';

runBusContract('in-process', {
  open: async ({ retain }) => createInProcessBus({ retainPerEnvironment: retain }),
});
