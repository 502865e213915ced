export { checkNatsCredentials, type NatsCredentials } from './auth.js';
// The same class as `@vexil/bus`'s, re-exported for importers of the NATS bus alone.
export { BusError, type BusErrorCode } from '../errors.js';
export { createNatsBus, type NatsBus } from './nats-bus.js';
export { NATS_BUS_DEFAULTS, type NatsBusOptions } from './options.js';
