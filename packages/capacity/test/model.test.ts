import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  calibrate,
  DEFAULT_FLEET,
  edgeCapacity,
  environmentsHeld,
  MEASURED_DIR,
  projectFleet,
  readMeasurements,
  replay,
  replayError,
  TOLERANCE,
  type FanoutRecord,
} from '@vexil/capacity';

// The fleet model against the benchmark runs recorded in packages/capacity/measured: it must
// reproduce each within the stated tolerance, and its projections must follow the figures.

const measured = readMeasurements();
const c = calibrate(measured);

describe('the model against the recorded benchmark runs', () => {
  const rows = replay(measured);

  test('covers every fan-out size, the reconnect storm and the distributed run', () => {
    const runs = new Set(rows.map((r) => r.run));
    assert.ok(measured.fanout.sizes.length >= 3, 'three fan-out sizes recorded');
    for (const size of measured.fanout.sizes)
      assert.ok([...runs].some((r) => r.includes(size.streams.toLocaleString('en-US'))));
    assert.ok([...runs].some((r) => r.startsWith('reconnect storm')));
    assert.ok([...runs].some((r) => r.startsWith('distributed')));
  });

  for (const row of rows)
    test(`${row.run}: ${row.figure} within ±${TOLERANCE * 100}% of the measurement`, () => {
      const error = replayError(row);
      assert.ok(
        Math.abs(error) <= TOLERANCE,
        `measured ${row.measured.toFixed(1)}, model ${row.predicted.toFixed(1)} (${(error * 100).toFixed(0)}%)`,
      );
    });
});

describe('projections follow the measured figures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexil-measured-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a costlier connect in the fan-out record slows recovery; more memory per stream adds edges', () => {
    cpSync(MEASURED_DIR, dir, { recursive: true });
    const file = join(dir, 'fanout.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as FanoutRecord;
    writeFileSync(
      file,
      JSON.stringify({
        ...record,
        sizes: record.sizes.map((s) => ({
          ...s,
          serverCpuPerConnectUs: s.serverCpuPerConnectUs * 3,
          bytesPerStream: s.bytesPerStream * 4,
        })),
      }),
    );
    const before = projectFleet(c, DEFAULT_FLEET);
    const afterChange = projectFleet(calibrate(readMeasurements(`${dir}/`)), DEFAULT_FLEET);
    assert.ok(afterChange.recoverySeconds.edgeLoss > before.recoverySeconds.edgeLoss);
    assert.ok(afterChange.edge.maxStreams < before.edge.maxStreams);
    assert.ok(afterChange.nodes.edges > before.nodes.edges);
  });
});

describe('the fleet projection', () => {
  test('every region can take a lost region’s SDKs', () => {
    const plan = projectFleet(c, DEFAULT_FLEET);
    const total = DEFAULT_FLEET.clientSideSdks + DEFAULT_FLEET.serverSideSdks;
    assert.ok(plan.edgesPerRegion * plan.edge.maxStreams >= total / (DEFAULT_FLEET.regions - 1));
    assert.ok(plan.streamsPerEdge.afterRegionLoss <= plan.edge.maxStreams);
    assert.equal(plan.nodes.edges, plan.edgesPerRegion * DEFAULT_FLEET.regions);
    assert.ok(plan.recoverySeconds.regionLoss > DEFAULT_FLEET.regionFailoverSeconds);
    assert.ok(plan.propagationMs.largest.remote.p99 > plan.propagationMs.typical.home.p99);
    assert.equal(plan.breaksFirst.scalesOut, false);
  });

  test('edges grow with SDKs; the bus grows with edges and changes', () => {
    const small = projectFleet(c, {
      ...DEFAULT_FLEET,
      clientSideSdks: 800_000,
      serverSideSdks: 200_000,
    });
    const big = projectFleet(c, DEFAULT_FLEET);
    assert.ok(big.nodes.edges > small.nodes.edges);
    assert.equal(big.nats.deliveriesPerSecond, DEFAULT_FLEET.changesPerSecond * big.nodes.edges);
    const busy = projectFleet(c, { ...DEFAULT_FLEET, changesPerSecond: 2_000 });
    assert.ok(busy.origin.postgresCores > big.origin.postgresCores);
  });

  test('a node is bound by what it runs out of first', () => {
    const few = { ...DEFAULT_FLEET, environments: 100, changesPerSecond: 10 };
    const files = edgeCapacity(c, { ...few, node: { ...few.node, filesPerProcess: 20_000 } });
    assert.equal(files.bound, 'files');
    assert.ok(files.maxStreams <= few.node.cores * 20_000);
    const memory = edgeCapacity(c, { ...few, node: { ...few.node, memoryGiB: 2 } });
    assert.equal(memory.bound, 'memory');
    assert.ok(memory.maxStreams * c.bytesPerStream < 2 * 2 ** 30);
    // 100,000 environments, each held by every process: memory binds long before the files.
    assert.equal(edgeCapacity(c, DEFAULT_FLEET).bound, 'memory');
    const cpu = edgeCapacity(c, { ...few, changesPerSecond: 1_000 });
    assert.equal(cpu.bound, 'cpu');
  });

  test('environments held by a process: all of them once streams far outnumber them', () => {
    assert.ok(Math.abs(environmentsHeld(1e7, 1000) - 1000) < 1e-6);
    assert.ok(Math.abs(environmentsHeld(1, 1e6) - 1) < 1e-3);
    assert.ok(environmentsHeld(1e5, 1e5) < 1e5 * 0.64 && environmentsHeld(1e5, 1e5) > 1e5 * 0.63);
  });
});
