import type { StreamRequest } from './load-generator.js';

/** Sends one change carrying `marker` (to environment `envIndex`); resolves to its send time, µs. */
export type ChangeSender = (marker: number, envIndex?: number) => Promise<number>;

/** A server under test (a Vexil edge, or nginx + nchan), as the fan-out run sees it. */
export interface Target {
  readonly name: 'vexil' | 'nchan';
  readonly port: number;
  /** What the server printed when it started (worker PIDs, limits). */
  readonly banner: string;
  streamRequest(envIndex?: number): StreamRequest;
  /** The processes whose memory holds the streams (every edge process; nginx master + workers). */
  memoryPids(): number[];
  /** The processes whose CPU time counts as the server's. */
  cpuPids(): number[];
  change: ChangeSender;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
