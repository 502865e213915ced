import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Edge, Network } from '../../src/api/types.js';
import { niceTicks, stackInsights } from '../../src/model/chart-scale.js';
import { recordNetwork, sortEdges, streamsByEnvironment } from '../../src/model/network-history.js';
import { snippets } from '../../src/model/snippets.js';

const edge = (over: Partial<Edge>): Edge => ({
  id: 'e1',
  region: 'r',
  version: '0.1.0',
  upstream: 'bus',
  status: 'ok',
  uptimeSeconds: 1,
  lastReportAt: 1000,
  upstreamConnected: true,
  stale: false,
  streams: 0,
  environments: [],
  ...over,
});
const network = (edges: Edge[]): Network => ({ generatedAt: 0, environments: [], edges });

describe('delivery view model', () => {
  test('one point per new report, bounded per edge', () => {
    const p = { samples: 3, p50: 2, p99: 9, max: 12 };
    let h = recordNetwork(new Map(), network([edge({ propagation: p })]));
    h = recordNetwork(h, network([edge({ propagation: p })]));
    assert.deepEqual(h.get('e1'), [{ at: 1000, p50: 2, p99: 9, max: 12 }]);
    h = recordNetwork(
      h,
      network([edge({ lastReportAt: 2000, propagation: p }), edge({ id: 'e2' })]),
      1,
    );
    assert.deepEqual(h.get('e1'), [{ at: 2000, p50: 2, p99: 9, max: 12 }]);
    assert.equal(h.get('e2'), undefined);
  });

  test('edges in trouble come first; streams add up per environment', () => {
    const edges = [
      edge({ id: 'b' }),
      edge({ id: 'a', status: 'lagging' }),
      edge({ id: 'c', status: 'lost' }),
    ];
    assert.deepEqual(
      sortEdges(edges).map((e) => e.id),
      ['c', 'a', 'b'],
    );
    const env = { id: 'x', projectKey: 'p', key: 'prod', seq: 1, lag: 0, ready: true };
    const totals = streamsByEnvironment([
      edge({ environments: [{ ...env, streams: { fdv1: 2, fdv2: 1 } }] }),
      edge({
        environments: [
          { ...env, streams: { sse: 4 } },
          { ...env, id: 'y', key: '', streams: {} },
        ],
      }),
    ]);
    assert.deepEqual(
      [...totals],
      [
        ['p/prod', 7],
        ['y', 0],
      ],
    );
  });
});

describe('charts', () => {
  test('ticks are round numbers reaching the maximum', () => {
    assert.deepEqual(niceTicks(10), [0, 5, 10]);
    assert.deepEqual(niceTicks(11), [0, 5, 10, 15]);
    assert.deepEqual(niceTicks(0.8), [0, 0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceTicks(0), [0, 1]);
  });

  test('insights stack per variation over every bucket of the range', () => {
    const stacked = stackInsights({
      flagKey: 'f',
      environment: 'production',
      interval: 'minute',
      from: 0,
      to: 180_000,
      variations: [
        { index: 0, value: true },
        { index: 1, value: false },
      ],
      series: [{ start: 60_000, counts: { '0': 3, '1': 7, default: 1 } }],
      totals: {},
    });
    assert.deepEqual(stacked.starts, [0, 60_000, 120_000]);
    assert.deepEqual(stacked.bands, [
      { label: '0', counts: [0, 3, 0] },
      { label: '1', counts: [0, 7, 0] },
      { label: 'default', counts: [0, 1, 0] },
    ]);
    assert.equal(stacked.max, 11);
  });
});

describe('SDK snippets', () => {
  test('in secure mode the browser snippet passes the hash the server computed', () => {
    const keys = { baseUrl: 'http://x', sdkKey: 'sdk-1', clientSideId: 'cs-1' };
    const browser = snippets({ ...keys, secureMode: true })[1]!;
    assert.match(browser.code, /secureModeHash\(context\)/);
    assert.match(
      browser.code,
      /initialize\("cs-1", \{ kind: 'user', key: 'user-123' \}, \{\n {2}hash,\n/,
    );
    assert.match(
      snippets({ ...keys, secureMode: true })[0]!.code,
      /client\.secureModeHash\(context\)/,
    );
    for (const s of snippets(keys)) assert.doesNotMatch(s.code, /hash/, s.kind);
  });

  test('every snippet points every URL at this server and uses the right key', () => {
    const [node, browser, ofrep] = snippets({
      baseUrl: 'http://127.0.0.1:8080/',
      sdkKey: 'sdk-1',
      clientSideId: 'cs-1',
      flagKey: 'new-checkout',
    });
    for (const s of [node!, browser!]) {
      assert.equal(s.code.match(/"http:\/\/127\.0\.0\.1:8080"/g)?.length, 3, s.kind);
      assert.match(s.code, /"new-checkout"/);
    }
    assert.match(node!.code, /init\("sdk-1"/);
    assert.match(browser!.code, /initialize\("cs-1"/);
    assert.doesNotMatch(browser!.code, /sdk-1/);
    assert.match(
      ofrep!.code,
      /baseUrl: "http:\/\/127\.0\.0\.1:8080", headers: \[\['Authorization', "sdk-1"\]\]/,
    );
  });
});
