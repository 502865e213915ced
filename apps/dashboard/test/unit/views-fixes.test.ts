import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Edge, Targeting } from '../../src/api/types.js';
import { timeAxisLabels } from '../../src/model/chart-scale.js';
import { clientSideExplanation, clientSideHint } from '../../src/model/client-side.js';
import { edgeLatency, latencyText } from '../../src/model/edge-latency.js';
import { recordNetwork } from '../../src/model/network-history.js';

// Small things of the views: the time axis of a chart with one point, the edges table's
// propagation figures between changes, and the flag list's hint for flags browsers do not get.

describe('a time axis', () => {
  test('two ends, or one label in the middle when every point has the same time', () => {
    assert.deepEqual(timeAxisLabels(1000, 5000), [
      { value: 1000, position: 0, anchor: 'start' },
      { value: 5000, position: 1, anchor: 'end' },
    ]);
    assert.deepEqual(timeAxisLabels(3000, 3000), [
      { value: 3000, position: 0.5, anchor: 'middle' },
    ]);
  });
});

describe('the edges table’s propagation', () => {
  const edge = (lastReportAt: number, propagation?: Edge['propagation']): Edge => ({
    id: 'edge-1',
    region: 'local',
    version: '1',
    upstream: 'bus',
    status: 'ok',
    uptimeSeconds: 60,
    lastReportAt,
    upstreamConnected: true,
    stale: false,
    streams: 1,
    environments: [],
    ...(propagation === undefined ? {} : { propagation }),
  });
  const network = (e: Edge) => ({ generatedAt: e.lastReportAt, environments: [], edges: [e] });

  test('a report with figures shows them', () => {
    const withFigures = edge(1000, { samples: 2, p50: 3, p99: 12, max: 12 });
    const latency = edgeLatency(withFigures, new Map());
    assert.deepEqual(latency, { p50: 3, p99: 12, at: 1000, latest: true });
    assert.equal(latencyText(latency), '3 / 12 ms');
  });

  test('a later report without figures keeps showing the last ones the chart drew, and their age', () => {
    const first = edge(1000, { samples: 2, p50: 3, p99: 12, max: 12 });
    let history = recordNetwork(new Map(), network(first));
    const later = edge(6000);
    history = recordNetwork(history, network(later));
    assert.deepEqual(edgeLatency(later, history), { p50: 3, p99: 12, at: 1000, latest: false });
    assert.equal(latencyText(edgeLatency(later, history)), '3 / 12 ms');
  });

  test('no change seen at all is a dash', () => {
    assert.equal(edgeLatency(edge(1000), new Map()), undefined);
    assert.equal(latencyText(undefined), '—');
  });
});

describe('the flag list’s client-side hint', () => {
  const targeting = (usingEnvironmentId: boolean, usingMobileKey: boolean) =>
    ({ clientSideAvailability: { usingEnvironmentId, usingMobileKey } }) as Targeting;

  test('flags browsers do not get are marked; the others and unserved ones are not', () => {
    assert.equal(clientSideHint(targeting(false, true)), 'Not for browser SDKs');
    assert.equal(clientSideHint(targeting(false, false)), 'Server-side SDKs only');
    assert.equal(clientSideHint(targeting(true, false)), undefined);
    assert.equal(clientSideHint(undefined), undefined);
    assert.match(clientSideExplanation(targeting(false, true))!, /serve their default value/);
    assert.equal(clientSideExplanation(targeting(true, true)), undefined);
  });
});
