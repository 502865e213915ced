export type { ChangeBus, SubscribeOptions, Subscription } from './change-bus.js';
export { BusError, type BusErrorCode } from './errors.js';
export { createInProcessBus, type InProcessBusOptions } from './in-process-bus.js';
