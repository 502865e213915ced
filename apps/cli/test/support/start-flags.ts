import type { StartFlags } from '../../src/start/start-config.js';

/** `vexil start` with no flag given: what the configuration tests start from. */
export const NO_START_FLAGS: StartFlags = {
  port: undefined,
  host: undefined,
  data: undefined,
  logLevel: undefined,
  maxStreams: undefined,
};
