import {
  calibrate,
  DEFAULT_FLEET,
  planText,
  projectFleet,
  readMeasurements,
  type FleetInput,
  type FleetPlan,
} from '@vexil/capacity';
import { usageError } from '../cli-error.js';
import { HELP_OPTION, output, type Command, type CommandContext } from './command.js';

// `vexil plan`: the fleet model (@vexil/capacity) on an operator's numbers. It needs no server:
// the per-node figures are the ones the benchmarks recorded with this build.

/** Option name -> where it goes in the fleet input, and its bounds. */
const NUMBERS = {
  'client-side': { min: 0, max: 1e10, set: (f, v) => ({ ...f, clientSideSdks: v }) },
  'server-side': { min: 0, max: 1e10, set: (f, v) => ({ ...f, serverSideSdks: v }) },
  regions: { min: 1, max: 50, int: true, set: (f, v) => ({ ...f, regions: v }) },
  changes: { min: 0.001, max: 1e6, set: (f, v) => ({ ...f, changesPerSecond: v }) },
  environments: { min: 1, max: 1e8, int: true, set: (f, v) => ({ ...f, environments: v }) },
  flags: { min: 1, max: 100_000, int: true, set: (f, v) => ({ ...f, flagsPerEnvironment: v }) },
  'largest-share': { min: 0, max: 1, set: (f, v) => ({ ...f, largestEnvironmentShare: v }) },
  cores: {
    min: 1,
    max: 1_024,
    int: true,
    set: (f, v) => ({ ...f, node: { ...f.node, cores: v } }),
  },
  memory: { min: 1, max: 65_536, set: (f, v) => ({ ...f, node: { ...f.node, memoryGiB: v } }) },
  files: {
    min: 1_024,
    max: 1e9,
    int: true,
    set: (f, v) => ({ ...f, node: { ...f.node, filesPerProcess: v } }),
  },
  'cpu-target': { min: 0.05, max: 1, set: (f, v) => ({ ...f, cpuTarget: v }) },
  'inter-region-ms': { min: 0, max: 1_000, set: (f, v) => ({ ...f, interRegionMs: v }) },
  failover: { min: 0, max: 3_600, set: (f, v) => ({ ...f, regionFailoverSeconds: v }) },
} satisfies Record<
  string,
  { min: number; max: number; int?: boolean; set: (f: FleetInput, v: number) => FleetInput }
>;

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9 };

/** `8M`, `100k`, `1000`, `0.5`: a number with an optional k/M/B suffix. */
export function parseAmount(name: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([kmb]?)$/i.exec(raw.trim());
  if (match === null)
    throw usageError(`--${name} must be a number such as 100, 2.5, 100k or 8M (got "${raw}")`);
  return Number(match[1]) * SUFFIX[match[2]!.toLowerCase()]!;
}

export function fleetInput(ctx: CommandContext): FleetInput {
  let fleet = DEFAULT_FLEET;
  for (const [name, spec] of Object.entries(NUMBERS)) {
    const raw = ctx.args.string(name);
    if (raw === undefined) continue;
    const value = parseAmount(name, raw);
    const int = 'int' in spec && spec.int;
    if (value < spec.min || value > spec.max || (int && !Number.isInteger(value)))
      throw usageError(
        `--${name} must be ${int ? 'a whole number ' : ''}from ${spec.min} to ${spec.max} (got "${raw}")`,
      );
    fleet = spec.set(fleet, value);
  }
  if (fleet.clientSideSdks + fleet.serverSideSdks === 0)
    throw usageError('--client-side and --server-side are both 0: plan for at least one SDK');
  return fleet;
}

const d = DEFAULT_FLEET;
export const planCommand: Command = {
  name: 'plan',
  summary:
    'Size a fleet for your SDKs, regions and change rate, from the measured per-node figures',
  options: {
    ...HELP_OPTION,
    json: { type: 'boolean' },
    ...Object.fromEntries(Object.keys(NUMBERS).map((name) => [name, { type: 'string' } as const])),
  },
  usage: '[--client-side 8M] [--server-side 2M] [--regions 3] [--changes 1000] [...]',
  details: `Options (defaults: the reference fleet of docs/scale.md):
  --client-side N       client-side SDKs streaming (browsers, mobile apps); default ${d.clientSideSdks}
  --server-side N       server-side SDKs streaming; default ${d.serverSideSdks}
  --regions N           regions, each able to take a lost region's SDKs; default ${d.regions}
  --changes N           flag and segment changes per second; default ${d.changesPerSecond}
  --environments N      environments; default ${d.environments}
  --flags N             flags per environment; default ${d.flagsPerEnvironment}
  --largest-share F     share of all SDKs in the largest environment; default ${d.largestEnvironmentShare}
  --cores N  --memory GiB  --files N   one edge node; default ${d.node.cores} cores, ${d.node.memoryGiB} GiB, ${d.node.filesPerProcess} files per process
  --cpu-target F        edge CPU used at the design load, at most; default ${d.cpuTarget}
  --inter-region-ms N   one-way latency from the origin's region; default ${d.interRegionMs}
  --failover S          seconds until clients leave a lost region (health checks, DNS TTL); default ${d.regionFailoverSeconds}
  --json                the plan as JSON
Numbers take k, M and B suffixes (8M = 8,000,000). See docs/scale.md for the model and its limits.`,
  run(ctx) {
    const input = fleetInput(ctx);
    let plan: FleetPlan;
    try {
      plan = projectFleet(calibrate(readMeasurements()), input);
    } catch (err) {
      // A node too small for anything: the numbers given, not the program, are wrong.
      if (err instanceof RangeError) throw usageError(err.message);
      throw err;
    }
    output(ctx, plan, () => `${planText(plan)}\n`);
    return Promise.resolve();
  },
};
