import diagnostics from 'node:diagnostics_channel';
import { cpus, availableParallelism, platform, arch } from 'node:os';
import { parseArgs } from 'node:util';
import { thisMachine, writeMeasurement } from '@vexil/capacity';
import {
  allPairs,
  createRandom,
  DEFAULT_SIZES,
  generateDataSet,
  samplePairs,
} from '@vexil/testkit';
import { compareEvaluators, formatMismatch } from './compare.js';
import { startLaunchDarkly } from './launchdarkly-side.js';
import { measure } from './measure.js';
import { formatTable, jsonLine } from './report.js';
import { launchDarklyRound, vexilPerContextRound, vexilRound } from './rounds.js';
import { createVexilSide } from './vexil-side.js';

// `npm run bench:eval`: Vexil's evaluator against LaunchDarkly's (node-server-sdk), in one
// process on one thread, on identical seeded data. First every (flag, context) pair is
// evaluated by both and compared; any disagreement stops the run before timing, since a speed
// figure for wrong answers means nothing. Then alternating timed rounds; exit 1 on any mismatch.
//
//   node dist/src/eval/main.js [--seed N] [--pairs N] [--warmup N] [--rounds N] [--budget-seconds N]

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '20240917' },
    pairs: { type: 'string', default: '100000' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '10' },
    'budget-seconds': { type: 'string', default: '40' },
    // Write the per-context rate for the fleet model (packages/capacity/measured/eval.json).
    record: { type: 'boolean', default: false },
  },
});

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const options = Object.freeze({
  seed: positiveInt('seed', args.seed),
  pairs: positiveInt('pairs', args.pairs),
  warmupRounds: positiveInt('warmup', args.warmup),
  rounds: positiveInt('rounds', args.rounds),
  budgetMs: positiveInt('budget-seconds', args['budget-seconds']) * 1000,
});

// Any TCP or TLS socket would mean the LaunchDarkly client is not offline: count them.
let socketsOpened = 0;
diagnostics.subscribe('net.client.socket', () => socketsOpened++);

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const data = generateDataSet(options.seed, DEFAULT_SIZES);
const vexil = createVexilSide(data);
const launchDarkly = await startLaunchDarkly(data);
try {
  const correctness = await compareEvaluators(allPairs(data), vexil, launchDarkly);
  if (correctness.mismatchCount > 0) {
    err(`${correctness.mismatchCount} of ${correctness.compared} evaluations differ; first ones:`);
    for (const m of correctness.mismatches) err(formatMismatch(m));
    err('no throughput reported: the evaluators disagree.');
    process.exitCode = 1;
  } else {
    const random = createRandom(options.seed ^ 0x5eed);
    const pairs = samplePairs(data, options.pairs, random);
    const perContext = random.sample(data.contexts, Math.ceil(options.pairs / data.flags.length));
    const [v, ld, vc] = await measure(
      [
        { name: 'vexil', round: () => vexilRound(pairs, vexil) },
        { name: 'launchdarkly', round: () => launchDarklyRound(pairs, launchDarkly) },
        { name: 'vexil-per-context', round: () => vexilPerContextRound(perContext, vexil) },
      ],
      { ...options, minRounds: 3 },
    );
    if (v === undefined || ld === undefined || vc === undefined)
      throw new Error('missing measurement');
    // Same pairs, same answers: the checksums of every round must agree across evaluators.
    const sums = new Set([...v.checksums, ...ld.checksums]);
    if (sums.size !== 1 || new Set(vc.checksums).size !== 1) {
      err(`timed rounds disagree: checksums ${[...sums].join(', ')}`);
      process.exitCode = 1;
    } else if (socketsOpened > 0) {
      err(`${socketsOpened} network socket(s) opened: the LaunchDarkly client was not offline`);
      process.exitCode = 1;
    } else {
      const report = {
        environment: {
          date: new Date().toISOString(),
          node: process.version,
          cpu: cpus()[0]?.model.trim() ?? 'unknown',
          cores: availableParallelism(),
          platform: `${platform()}-${arch()}`,
        },
        seed: options.seed,
        sizes: DEFAULT_SIZES,
        pairsPerRound: options.pairs,
        launchDarklySdk: launchDarkly.sdkVersion,
        correctness,
        vexil: v,
        launchDarkly: ld,
        vexilPerContext: vc,
      };
      out(formatTable(report));
      out(jsonLine(report));
      if (args.record)
        err(
          `figures for the fleet model written to ${writeMeasurement('eval', {
            date: report.environment.date,
            machine: thisMachine(),
            command: `npm run bench:eval -- ${process.argv.slice(2).join(' ')}`.trim(),
            evaluationsPerSecond: vc.median,
          })}`,
        );
    }
  }
} finally {
  launchDarkly.close();
}
