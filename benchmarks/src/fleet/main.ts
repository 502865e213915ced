import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  calibrate,
  DEFAULT_FLEET,
  fanoutLatencyMs,
  lineChart,
  planText,
  projectFleet,
  readMeasurements,
  replay,
  replayTable,
  sharedMessageUs,
  type Calibration,
  type FleetInput,
  type Limit,
} from '@vexil/capacity';

// The fleet simulator: reads the figures the benchmarks recorded (packages/capacity/measured),
// shows the model reproducing those benchmark runs side by side with what they measured, then
// projects the reference fleet (10M SDKs, 3 regions, 1,000 changes/s over 100,000 environments),
// finds where it breaks as SDKs and changes grow, and draws the plots of docs/scale.md.

const { values } = parseArgs({
  options: {
    // Where the SVG plots go (docs/scale/ by default); --no-plots to only print.
    plots: {
      type: 'string',
      default: fileURLToPath(new URL('../../../../docs/scale/', import.meta.url)),
    },
    'no-plots': { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});

const measured = readMeasurements();
const c = calibrate(measured);
const rows = replay(measured);
const ref = DEFAULT_FLEET;

const scaled = (f: FleetInput, sdks: number): FleetInput => {
  const total = f.clientSideSdks + f.serverSideSdks;
  return {
    ...f,
    clientSideSdks: (sdks * f.clientSideSdks) / total,
    serverSideSdks: (sdks * f.serverSideSdks) / total,
  };
};
const logRange = (from: number, to: number, steps: number) =>
  Array.from({ length: steps + 1 }, (_, i) => from * (to / from) ** (i / steps));

/** For each limit more nodes cannot lift, the first x of the sweep at which it is used up. */
function breakingPoints(xs: readonly number[], at: (x: number) => FleetInput) {
  const out = new Map<string, number>();
  for (const x of xs)
    for (const l of projectFleet(c, at(x)).limits)
      if (!l.scalesOut && l.utilization >= 1 && !out.has(l.name)) out.set(l.name, x);
  return out;
}

function limitSeries(xs: readonly number[], at: (x: number) => FleetInput) {
  const plans = xs.map((x) => projectFleet(c, at(x)));
  const names = plans[0]!.limits.filter((l: Limit) => !l.scalesOut).map((l) => l.name);
  return names.map((name) => ({
    name,
    points: plans.map(
      (p, i) => [xs[i]!, 100 * p.limits.find((l) => l.name === name)!.utilization] as const,
    ),
  }));
}

function plots(dir: string, calibration: Calibration): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    writeFileSync(`${dir}${name}`, svg);
    written.push(`${dir}${name}`);
  };
  const perMessage = sharedMessageUs(calibration);
  const streams = Array.from({ length: 25 }, (_, i) => (i + 1) * 5_000);
  const sizes = measured.fanout.sizes;
  write(
    'fanout-model.svg',
    lineChart({
      title: 'One edge node, this machine: fan-out latency, model and measurements',
      xLabel: 'streams on the node',
      yLabel: 'ms from the write',
      series: [
        {
          name: 'model p50',
          points: streams.map((n) => [
            n,
            fanoutLatencyMs(calibration.firstDeliveryMs, n, 0.5, perMessage),
          ]),
        },
        {
          name: 'model p99',
          points: streams.map((n) => [
            n,
            fanoutLatencyMs(calibration.firstDeliveryMs, n, 0.99, perMessage),
          ]),
        },
        {
          name: 'measured p50',
          dots: true,
          points: sizes.map((s) => [s.streams, s.latencyMs.p50]),
        },
        {
          name: 'measured p99',
          dots: true,
          points: sizes.map((s) => [s.streams, s.latencyMs.p99]),
        },
      ],
    }),
  );
  const sdks = logRange(1e6, 1e8, 40);
  const fleets = sdks.map((n) => projectFleet(c, scaled(ref, n)));
  write(
    'fleet-nodes.svg',
    lineChart({
      title: 'Nodes for N SDKs (3 regions, 1,000 changes/s, 16-core 64 GiB nodes)',
      xLabel: 'SDKs (80% client-side)',
      yLabel: 'nodes',
      logX: true,
      series: [
        { name: 'edges', points: fleets.map((p, i) => [sdks[i]!, p.nodes.edges]) },
        { name: 'NATS', points: fleets.map((p, i) => [sdks[i]!, p.nodes.nats]) },
        { name: 'all nodes', points: fleets.map((p, i) => [sdks[i]!, p.nodes.total]) },
      ],
    }),
  );
  write(
    'fleet-limits-sdks.svg',
    lineChart({
      title: 'Limits more nodes do not lift, as SDKs grow (1,000 changes/s)',
      xLabel: 'SDKs',
      yLabel: '% used',
      logX: true,
      yMax: 200,
      rules: [{ y: 100, label: 'used up' }],
      series: limitSeries(sdks, (n) => scaled(ref, n)),
    }),
  );
  const rates = logRange(100, 20_000, 40);
  write(
    'fleet-limits-changes.svg',
    lineChart({
      title: 'Limits more nodes do not lift, as changes grow (10M SDKs)',
      xLabel: 'changes per second',
      yLabel: '% used',
      logX: true,
      yMax: 200,
      rules: [{ y: 100, label: 'used up' }],
      series: limitSeries(rates, (r) => ({ ...ref, changesPerSecond: r })),
    }),
  );
  const rateFleets = rates.map((r) => projectFleet(c, { ...ref, changesPerSecond: r }));
  write(
    'fleet-nodes-changes.svg',
    lineChart({
      title: 'Edge nodes for 10M SDKs as changes grow',
      xLabel: 'changes per second',
      yLabel: 'edge nodes',
      logX: true,
      series: [
        { name: 'edges', points: rateFleets.map((p, i) => [rates[i]!, p.nodes.edges]) },
        {
          name: 'edges, one copy of each environment per node',
          points: rateFleets.map((p, i) => [
            rates[i]!,
            p.edgesPerRegionWithSharedEnvironments * ref.regions,
          ]),
        },
      ],
    }),
  );
  write(
    'fleet-propagation.svg',
    lineChart({
      title: 'Write to SDK, p99, as SDKs grow',
      xLabel: 'SDKs',
      yLabel: 'ms',
      logX: true,
      series: [
        {
          name: 'typical env, origin region',
          points: fleets.map((p, i) => [sdks[i]!, p.propagationMs.typical.home.p99]),
        },
        {
          name: 'largest env, other region',
          points: fleets.map((p, i) => [sdks[i]!, p.propagationMs.largest.remote.p99]),
        },
      ],
    }),
  );
  return written;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
out('The model against the benchmark runs it is calibrated from (packages/capacity/measured)');
for (const [name, r] of Object.entries(measured))
  out(
    `  ${name.padEnd(12)} ${(r as { date: string }).date}  ${(r as { command: string }).command}`,
  );
out();
out(replayTable(rows, values.markdown));
out();
out(planText(projectFleet(c, ref)));
out();
const sdkBreaks = breakingPoints(logRange(1e6, 1e9, 120), (n) => scaled(ref, n));
const rateBreaks = breakingPoints(logRange(10, 100_000, 120), (r) => ({
  ...ref,
  changesPerSecond: r,
}));
const n = (v: number) => Math.round(v).toLocaleString('en-US');
out('Where it breaks, growing one thing from the reference fleet (limits more nodes do not lift)');
const first = (at: number, from: number) => (at === from ? 'already at' : 'at');
for (const [name, at] of [...sdkBreaks].sort((a, b) => a[1] - b[1]))
  out(`  SDKs (from 1M):       ${name} used up ${first(at, 1e6)} ${n(at)} SDKs`);
for (const [name, at] of [...rateBreaks].sort((a, b) => a[1] - b[1]))
  out(`  changes/s (from 10):  ${name} used up ${first(at, 10)} ${n(at)} changes/s`);
if (sdkBreaks.size + rateBreaks.size === 0) out('  nothing, up to 1B SDKs and 100,000 changes/s');
if (!values['no-plots'])
  for (const path of plots(values.plots, c)) process.stderr.write(`wrote ${path}\n`);
