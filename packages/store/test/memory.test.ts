import { openMemoryStore } from '@vexil/store';
import { runStoreContract } from './contract.js';

runStoreContract('memory', async () => {
  const store = await openMemoryStore();
  return { store, cleanup: () => store.close() };
});
