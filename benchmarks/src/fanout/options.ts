import { parseArgs } from 'node:util';

// Command-line options of the fan-out benchmark, read and bounded once. Every run is bounded in
// streams, changes and seconds.

export type Part = 'fanout' | 'storm' | 'sustained';

export interface FanoutOptions {
  readonly sizes: readonly number[];
  readonly changes: number;
  readonly parts: readonly Part[];
  readonly nchan: boolean;
  readonly edgeWorkers: number | undefined;
  readonly connectWindow: number;
  readonly stormStreams: number;
  readonly stormSignal: NodeJS.Signals;
  readonly stormTimeoutSeconds: number;
  readonly sustainedStreams: number;
  readonly sustainedEnvironments: number;
  readonly sustainedRate: number;
  readonly sustainedSeconds: number;
  readonly cpuProf: boolean;
  /** The edge's SDK and failed-authentication limits on, too high to refuse anything. */
  readonly rateLimits: boolean;
  readonly nats: string | undefined;
  readonly verbose: boolean;
  readonly record: boolean;
}

export const USAGE = `npm run bench:fanout -w @vexil/benchmarks -- [options]
  --sizes 10000,50000,100000   streams per fan-out run (each 100..200000)
  --changes 5                  changes per size (1..100)
  --parts fanout,storm,sustained   which runs (default all)
  --no-nchan                   skip the nginx + nchan reference
  --edge-workers N             pass --workers N to vexil edge (default: the edge decides)
  --connect-window 512         connections being set up at once, over all generator processes
  --storm-streams 100000       streams in the reconnect storm
  --storm-signal SIGKILL       how the edge is stopped for the storm (SIGKILL or SIGTERM)
  --storm-timeout 120          seconds to wait for every stream to re-sync
  --sustained-streams 20000  --sustained-envs 10  --sustained-rate 50  --sustained-seconds 60
  --cpu-prof                   write node --cpu-prof profiles of the edge to benchmarks/results/
  --rate-limits                the edge's per-address limits on, set too high to refuse anything,
                               so that their cost per connect is in the figures (default off)
  --nats nats://host:port      use this NATS (default: a private nats-server, else 127.0.0.1:4222)
  --verbose                    show the servers' warnings
  --record                     write the figures the fleet model reads (packages/capacity/measured/fanout.json)`;

function int(raw: string | undefined, fallback: number, min: number, max: number, name: string) {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

export function readOptions(argv: readonly string[]): FanoutOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: 'string' },
      changes: { type: 'string' },
      parts: { type: 'string' },
      'no-nchan': { type: 'boolean' },
      'edge-workers': { type: 'string' },
      'connect-window': { type: 'string' },
      'storm-streams': { type: 'string' },
      'storm-signal': { type: 'string' },
      'storm-timeout': { type: 'string' },
      'sustained-streams': { type: 'string' },
      'sustained-envs': { type: 'string' },
      'sustained-rate': { type: 'string' },
      'sustained-seconds': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'rate-limits': { type: 'boolean' },
      nats: { type: 'string' },
      verbose: { type: 'boolean' },
      record: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  const sizes = (values.sizes ?? '10000,50000,100000')
    .split(',')
    .map((s) => int(s.trim(), 0, 100, 200_000, 'sizes'));
  const parts = (values.parts ?? 'fanout,storm,sustained').split(',').map((p) => p.trim());
  for (const p of parts) {
    if (p !== 'fanout' && p !== 'storm' && p !== 'sustained')
      throw new Error(`--parts: "${p}" is none of fanout, storm, sustained`);
  }
  const signal = values['storm-signal'] ?? 'SIGKILL';
  if (signal !== 'SIGKILL' && signal !== 'SIGTERM')
    throw new Error(`--storm-signal must be SIGKILL or SIGTERM (got "${signal}")`);
  return Object.freeze({
    sizes,
    changes: int(values.changes, 5, 1, 100, 'changes'),
    parts: parts as Part[],
    nchan: values['no-nchan'] !== true,
    edgeWorkers:
      values['edge-workers'] === undefined
        ? undefined
        : int(values['edge-workers'], 1, 1, 64, 'edge-workers'),
    connectWindow: int(values['connect-window'], 512, 1, 20_000, 'connect-window'),
    stormStreams: int(values['storm-streams'], 100_000, 100, 200_000, 'storm-streams'),
    stormSignal: signal,
    stormTimeoutSeconds: int(values['storm-timeout'], 120, 5, 600, 'storm-timeout'),
    sustainedStreams: int(values['sustained-streams'], 20_000, 10, 200_000, 'sustained-streams'),
    sustainedEnvironments: int(values['sustained-envs'], 10, 1, 50, 'sustained-envs'),
    sustainedRate: int(values['sustained-rate'], 50, 1, 500, 'sustained-rate'),
    sustainedSeconds: int(values['sustained-seconds'], 60, 1, 600, 'sustained-seconds'),
    cpuProf: values['cpu-prof'] === true,
    rateLimits: values['rate-limits'] === true,
    nats: values.nats,
    verbose: values.verbose === true,
    record: values.record === true,
  });
}
