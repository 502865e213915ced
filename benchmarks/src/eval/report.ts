import type { Comparison } from './compare.js';
import type { DataSetSizes } from '@vexil/testkit';
import type { Measurement } from './measure.js';

// The benchmark's output: a table for people, then one JSON line for tools (the last line).

export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly platform: string;
}

export interface Report {
  readonly environment: Environment;
  readonly seed: number;
  readonly sizes: DataSetSizes;
  readonly pairsPerRound: number;
  readonly launchDarklySdk: string;
  readonly correctness: Comparison;
  readonly vexil: Measurement;
  readonly launchDarkly: Measurement;
  readonly vexilPerContext: Measurement;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatTable(r: Report): string {
  const ratio = r.vexil.median / r.launchDarkly.median;
  const row = (label: string, m: Measurement) =>
    `${label.padEnd(62)}${fmt(m.median).padStart(12)}   ${fmt(m.min)} .. ${fmt(m.max)}  (${m.perRound.length} rounds)`;
  const reasons = Object.entries(r.correctness.reasonCounts)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${kind} ${((100 * n) / r.correctness.compared).toFixed(1)}%`)
    .join(', ');
  return [
    'Evaluation throughput: Vexil vs LaunchDarkly, single thread, one process',
    `  ${r.environment.date}  node ${r.environment.node}  ${r.environment.platform}`,
    `  cpu: ${r.environment.cpu} (${r.environment.cores} cores on the machine; the benchmark uses one thread)`,
    `  data: seed ${r.seed}, ${r.sizes.flags} flags, ${r.sizes.segments} segments, ${r.sizes.contexts} contexts (${r.sizes.orgs} orgs)`,
    `  @launchdarkly/node-server-sdk ${r.launchDarklySdk}, offline (TestData source, no events)`,
    '',
    `correctness: ${fmt(r.correctness.compared)} (flag, context) pairs, ${r.correctness.mismatchCount} mismatches`,
    `  reasons: ${reasons}`,
    '',
    `${'evaluations per second (median of rounds)'.padEnd(62)}${'median'.padStart(12)}   min .. max`,
    row('Vexil         parseContext(json) + evaluate, per evaluation', r.vexil),
    row('LaunchDarkly  await variationDetail(key, json, null)', r.launchDarkly),
    '',
    `ratio Vexil / LaunchDarkly, per evaluation, parsing on both sides: ${ratio.toFixed(2)}x`,
    '',
    'not comparable with the figures above (no LaunchDarkly counterpart):',
    row('Vexil         parse once per context, evaluate every flag', r.vexilPerContext),
    `  (${fmt(r.pairsPerRound)} evaluations per round; the edge's path for client-side SDKs)`,
  ].join('\n');
}

export function jsonLine(r: Report): string {
  const figures = (m: Measurement) => ({
    evalsPerSecond: Math.round(m.median),
    min: Math.round(m.min),
    max: Math.round(m.max),
    rounds: m.perRound.map(Math.round),
  });
  return JSON.stringify({
    benchmark: 'eval',
    ...r.environment,
    seed: r.seed,
    sizes: r.sizes,
    pairsPerRound: r.pairsPerRound,
    launchDarklySdk: r.launchDarklySdk,
    correctness: { pairs: r.correctness.compared, mismatches: r.correctness.mismatchCount },
    vexil: figures(r.vexil),
    launchDarkly: figures(r.launchDarkly),
    ratio: Number((r.vexil.median / r.launchDarkly.median).toFixed(3)),
    vexilPerContext: figures(r.vexilPerContext),
  });
}
