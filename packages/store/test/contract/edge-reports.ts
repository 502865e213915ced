import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EdgeReport } from '@vexil/protocol';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

function report(id: string, reportedAt: number): EdgeReport {
  return {
    id,
    region: 'eu-west',
    version: '1.0.0',
    startedAt: 1,
    reportedAt,
    upstream: 'bus',
    upstreamConnected: true,
    stale: false,
    streams: 3,
    environments: [{ id: 'env', seq: 7, ready: true, streams: { fdv1: 3 } }],
  };
}

export function edgeReportContract(ctx: StoreContext): void {
  test('edge reports: the latest per edge, filtered by time', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      await tx.putEdgeReport(report('b', 100));
      await tx.putEdgeReport(report('a', 200));
      await tx.putEdgeReport(report('b', 300));
    });
    assert.deepEqual(await store.listEdgeReports(0), [report('a', 200), report('b', 300)]);
    assert.deepEqual(await store.listEdgeReports(250), [report('b', 300)]);
  });

  test('a change keeps the trace of the write that made it', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const change = await store.transaction((tx) =>
      tx.appendChange(env.id, {
        kind: 'flag',
        key: 'f',
        version: 1,
        item: { key: 'f', version: 1 },
        trace,
      }),
    );
    assert.equal(change.trace, trace);
    const [listed] = await store.listChanges(env.id, 0, 10);
    assert.equal(listed?.trace, trace);
    const untraced = await store.transaction((tx) =>
      tx.appendChange(env.id, {
        kind: 'flag',
        key: 'f',
        version: 2,
        item: { key: 'f', version: 2 },
      }),
    );
    assert.equal('trace' in untraced, false);
  });
}
