import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { httpInsightsSink, type InsightCount, type Logger } from '@vexil/edge';
import { encodeContextBase64Url, parseSdkData, type JsonValue } from '@vexil/protocol';
import { answerProblems, rawRequest, type RawRequest } from '@vexil/testkit';
import { synced } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import type { SdkWorld } from './support/sdk-bodies.js';
import { oddTargetRequest, sdkRequestArbitrary } from './support/sdk-requests.js';
import { SDK_ROUTES } from './support/sdk-routes.js';

// Issue 14: hostile input to every SDK-facing route of the edge (LaunchDarkly server, client and
// mobile endpoints, streams, events, OFREP, the Vexil stream and relay feed), property-based.
// For every generated request: no 5xx, a JSON error body for a 4xx, an answer (or a stream's
// first event) within the deadline, nothing logged as an unhandled error. After each route's
// run, the edge still serves ordinary SDK requests; at the end, every evaluation count the edge
// shipped is one the origin's delivery API accepts. A failure prints fast-check's seed and the
// shrunk request; reproduce with VEXIL_FUZZ_SEED, widen with VEXIL_FUZZ_RUNS.

const SEED = Number(process.env['VEXIL_FUZZ_SEED'] ?? 1414);
const RUNS = Number(process.env['VEXIL_FUZZ_RUNS'] ?? 50);
const DEADLINE_MS = 5_000;
const EDGE_TOKEN = 'vxl_hostile-edge-token';
const HANDSHAKE_HEADERS = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
/** The origin's bounds on one shipped count (POST /api/v1/delivery/insights). */
const MAX_COUNT = 1_000_000_000;

const VARIATIONS: Record<string, JsonValue[]> = {
  'bool-flag': [true, false],
  'rules-flag': ['a', 'b', 'c'],
  'rollout-flag': [1, 2],
  'prereq-flag': [true, false],
  'object-flag': [{ theme: 'dark' }, { theme: 'light' }],
  'off-flag': [true, false],
};

async function seed(edge: EdgeServer, env: TestEnvironment): Promise<void> {
  const put = (json: Parameters<typeof edge.origin.put>[2]) => edge.origin.put(env, 'flag', json);
  const variations = (key: string) => VARIATIONS[key]!;
  await edge.origin.put(env, 'segment', {
    key: 'beta',
    included: ['u-1'],
    excluded: [],
    rules: [
      { id: 'gold', clauses: [{ attribute: 'plan', op: 'in', values: ['gold'] }], weight: 50_000 },
    ],
    salt: 'salt',
  });
  await put(ldFlag('bool-flag', { variations: variations('bool-flag') }));
  const clause = (attribute: string, op: string, values: JsonValue[], contextKind = 'user') => ({
    contextKind,
    attribute,
    op,
    values,
  });
  await put(
    ldFlag('rules-flag', {
      variations: variations('rules-flag'),
      rules: [
        { id: 'r1', variation: 1, clauses: [clause('email', 'matches', ['(a+)+$', '^ann@'])] },
        {
          id: 'r2',
          variation: 2,
          clauses: [clause('version', 'semVerGreaterThan', ['1.0.0'], 'org')],
        },
        {
          id: 'r3',
          variation: 0,
          clauses: [clause('born', 'before', ['2021-01-01T00:00:00Z'], 'org')],
        },
        { id: 'r4', variation: 1, clauses: [clause('', 'segmentMatch', ['beta'])] },
        {
          id: 'r5',
          variation: 2,
          clauses: [clause('/address/city', 'startsWith', ['Par'], 'org')],
        },
      ],
    }),
  );
  await put(
    ldFlag('rollout-flag', {
      variations: variations('rollout-flag'),
      fallthrough: {
        rollout: {
          kind: 'experiment',
          bucketBy: 'email',
          variations: [
            { variation: 0, weight: 60_000 },
            { variation: 1, weight: 40_000 },
          ],
        },
      },
    }),
  );
  await put(ldFlag('prereq-flag', { prerequisites: [{ key: 'rules-flag', variation: 1 }] }));
  await put(ldFlag('object-flag', { variations: variations('object-flag') }));
  await put(ldFlag('off-flag', { on: false }));
  await edge.origin.put(env, 'filter', { key: 'web', flags: ['bool-flag'] });
}

/** What an InsightsSink receives that the origin's delivery API would refuse. */
function contractProblems(batch: readonly InsightCount[], envId: string): string[] {
  const problems: string[] = [];
  if (batch.length > 100_000) problems.push(`a batch of ${batch.length} counts`);
  for (const c of batch) {
    const n = VARIATIONS[c.flagKey]?.length;
    const bad =
      c.environmentId !== envId ||
      n === undefined ||
      !Number.isSafeInteger(c.count) ||
      c.count < 1 ||
      c.count > MAX_COUNT ||
      c.bucketStart % 60_000 !== 0 ||
      (c.variation !== null &&
        !(Number.isSafeInteger(c.variation) && c.variation >= 0 && c.variation < n));
    if (bad) problems.push(JSON.stringify(c));
  }
  return problems;
}

describe('hostile requests to every SDK route of the edge', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let world: SdkWorld;
  const errors: object[] = [];
  const batches: InsightCount[][] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj) => void errors.push(obj),
  };

  before(async () => {
    edge = await startEdgeServer({ insightsFlushMs: 50 }, 0, {
      logger,
      insights: {
        record: async (counts) => {
          batches.push([...counts]);
        },
      },
    });
    env = await edge.origin.addEnvironment('hostile');
    await edge.origin.addEdgeToken(EDGE_TOKEN);
    await seed(edge, env);
    await synced(edge, env);
    world = {
      envId: env.id,
      sdkKey: env.sdkKey,
      mobileKey: env.mobileKey,
      edgeToken: EDGE_TOKEN,
      flagKeys: Object.keys(VARIATIONS),
      segmentKeys: ['beta'],
      now: Date.now(),
    };
  });
  after(() => edge.close());

  /** Sends one request; throws what is wrong with the answer. */
  async function check(req: RawRequest, statuses: Map<number, number>): Promise<void> {
    const logged = errors.length;
    const res = await rawRequest(edge.url, req, DEADLINE_MS);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    // A HEAD answer has no body to say anything in.
    const problems =
      req.method === 'HEAD'
        ? answerProblems({ ...res, text: res.status >= 500 ? res.text : '' }).filter(
            () => res.status >= 500,
          )
        : answerProblems(res);
    if (errors.length > logged)
      problems.push(`the edge logged an error: ${JSON.stringify(errors.slice(logged))}`);
    if (problems.length > 0) throw new Error(`${res.status}: ${problems.join('\n')}`);
  }

  /** Runs one property, then reports its answers by status and checks the edge still serves. */
  async function runProperty(
    t: { diagnostic(message: string): void },
    requests: fc.Arbitrary<RawRequest>,
  ): Promise<void> {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests, (req) => check(req, statuses)),
      { seed: SEED, numRuns: RUNS },
    );
    t.diagnostic(
      [...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
    );
    await assertServing();
  }

  /** Ordinary SDK requests still get their ordinary answers. */
  async function assertServing(): Promise<void> {
    const get = (path: string, headers: Record<string, string> = {}) =>
      rawRequest(edge.url, { method: 'GET', path, headers }, DEADLINE_MS);
    const all = await get('/sdk/latest-all', { authorization: env.sdkKey });
    assert.equal(all.status, 200, all.text);
    const data = parseSdkData(JSON.parse(all.text));
    assert.ok(data.ok, all.text);
    assert.deepEqual(Object.keys(data.value.flags).sort(), Object.keys(VARIATIONS).sort());
    const user = encodeContextBase64Url({ kind: 'user', key: 'u-9' });
    const evalx = await get(`/sdk/evalx/${env.id}/contexts/${user}`);
    assert.equal(evalx.status, 200, evalx.text);
    assert.equal(JSON.parse(evalx.text)['bool-flag'].value, true);
    const ofrep = await rawRequest(edge.url, {
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags/bool-flag',
      headers: { authorization: env.sdkKey, 'content-type': 'application/json' },
      body: '{"context":{"targetingKey":"u-9"}}',
    });
    assert.equal(ofrep.status, 200, ofrep.text);
    assert.equal(JSON.parse(ofrep.text).value, true);
    const stream = await get('/all', { authorization: env.sdkKey });
    assert.equal(stream.status, 200, stream.text);
    assert.match(stream.text, /^event: put\n/m);
    assert.equal(edge.edge.status().ready, true);
  }

  test('the route table names routes the edge serves', async () => {
    // The test server answers this for a path no edge route matched (edge-server.ts).
    const unmatched = '{"code":"NOT_FOUND","message":"no such path"}';
    for (const route of SDK_ROUTES) {
      const path = route.path
        .replace('{envId}', env.id)
        .replace('{context}', encodeContextBase64Url({ kind: 'user', key: 'u' }))
        .replace('{key}', 'bool-flag');
      const upgrade = route.path === '/vexil/v1/ws' ? HANDSHAKE_HEADERS : {};
      const res = await rawRequest(edge.url, { method: route.method, path, headers: upgrade });
      assert.notEqual(res.text, unmatched, `${route.method} ${route.path}`);
    }
  });

  test('every route, one property each', async (t) => {
    t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs per route`);
    for (const route of SDK_ROUTES) {
      await t.test(`${route.method} ${route.path}`, (rt) =>
        runProperty(rt, sdkRequestArbitrary(route, world)),
      );
    }
    await t.test('odd request targets, methods and upgrades', (rt) =>
      runProperty(rt, oddTargetRequest),
    );
    assert.deepEqual(errors, []);
  });

  test('every count the edge shipped is one the origin accepts', async () => {
    // One more honest event; once it is shipped, so is everything counted before it.
    const marker = batches.length;
    const res = await rawRequest(edge.url, {
      method: 'POST',
      path: '/bulk',
      headers: { authorization: env.sdkKey, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          kind: 'summary',
          startDate: Date.now(),
          endDate: Date.now(),
          features: { 'off-flag': { counters: [{ variation: 1, count: 1 }] } },
        },
      ]),
    });
    assert.equal(res.status, 202);
    await until(
      () => batches.slice(marker).some((b) => b.some((c) => c.flagKey === 'off-flag')),
      5_000,
      'the marker count shipped',
    );
    assert.deepEqual(
      batches.flatMap((b) => contractProblems(b, env.id)),
      [],
    );
  });
});

/** Writes raw bytes on one connection and collects everything the server sends until it closes. */
function exchange(url: string, ...requests: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      answer += d;
      // One request at a time: the next once the previous one's answer has started.
      const next = requests.shift();
      if (next !== undefined) socket.write(next);
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(DEADLINE_MS, () => socket.destroy(new Error(`no close: ${answer}`)));
    socket.write(requests.shift()!);
  });
}

const HANDSHAKE =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

// Found by the properties above, each kept as its minimal request.
describe('hostile SDK requests found by the property suite', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const batches: InsightCount[][] = [];

  before(async () => {
    edge = await startEdgeServer({ insightsFlushMs: 20 }, 0, {
      insights: {
        record: async (counts) => {
          batches.push([...counts]);
        },
      },
    });
    env = await edge.origin.addEnvironment('found');
    await edge.origin.put(env, 'flag', ldFlag('two'));
    await synced(edge, env);
  });
  after(() => edge.close());

  test('a WebSocket handshake for the target //[ is a 400, not an uncaught exception', async () => {
    const answer = await exchange(edge.url, `GET //[ HTTP/1.1\r\nHost: edge\r\n${HANDSHAKE}\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /"code":"BAD_REQUEST"/);
    assert.equal(edge.edge.status().ready, true);
  });

  test('an upgrade offer for a plain route is served as the plain request, then closed', async () => {
    for (const offer of [
      HANDSHAKE,
      'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n',
    ]) {
      const answer = await exchange(
        edge.url,
        `GET /sdk/latest-all HTTP/1.1\r\nHost: edge\r\nAuthorization: ${env.sdkKey}\r\n${offer}\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.match(answer, /"flags":\{"two":/);
    }
  });

  test('a malformed WebSocket handshake is refused with a JSON body', async () => {
    const answer = await exchange(
      edge.url,
      `GET /vexil/v1/ws HTTP/1.1\r\nHost: edge\r\nAuthorization: ${env.sdkKey}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: \r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /"code":"BAD_REQUEST","message":"Sec-WebSocket-Key/);
  });

  test('what node:http cannot parse on a kept-alive connection gets a JSON answer', async () => {
    const first = `GET /sdk/latest-all HTTP/1.1\r\nHost: edge\r\nAuthorization: ${env.sdkKey}\r\n\r\n`;
    const tooLarge = await exchange(
      edge.url,
      first,
      `GET /all?${'x'.repeat(20_000)} HTTP/1.1\r\nHost: edge\r\n\r\n`,
    );
    assert.match(tooLarge, /HTTP\/1\.1 431 [^]*"code":"HEADERS_TOO_LARGE"/);
    const malformed = await exchange(edge.url, first, 'GET /all HTTP/1.1\r\nBad Header\r\n\r\n');
    assert.match(malformed, /HTTP\/1\.1 400 [^]*"code":"BAD_REQUEST"/);
    // A HEAD's answer has no body, even a refusal's.
    const head = await rawRequest(edge.url, { method: 'HEAD', path: `/all?${'x'.repeat(20_000)}` });
    assert.equal(head.status, 431);
    assert.equal(head.text, '');
  });

  test('summed counts stop at the origin bound; variations the flag lacks are not counted', async () => {
    const summary = (variation: number, count: number) => ({
      kind: 'summary',
      startDate: Date.now(),
      endDate: Date.now(),
      features: { two: { counters: [{ variation, count }] } },
    });
    for (const events of [[summary(0, MAX_COUNT)], [summary(0, MAX_COUNT), summary(2, 5)]]) {
      const res = await rawRequest(edge.url, {
        method: 'POST',
        path: '/bulk',
        headers: { authorization: env.sdkKey, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      assert.equal(res.status, 202);
    }
    await until(() => batches.flat().length > 0, 5_000, 'counts shipped');
    assert.deepEqual(
      batches.flat().map((c) => [c.flagKey, c.variation, c.count]),
      [['two', 0, MAX_COUNT]],
    );
  });

  test('the origin gets counts in POSTs of at most 5,000', async () => {
    const bodies: number[] = [];
    const origin = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        bodies.push((JSON.parse(text) as { counts: unknown[] }).counts.length);
        res.writeHead(204).end();
      });
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    try {
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
      const counts = Array.from({ length: 12_000 }, (_, i) => ({
        environmentId: env.id,
        flagKey: 'two',
        variation: 0,
        bucketStart: i * 60_000,
        count: 1,
      }));
      await httpInsightsSink({ url, token: 'edge' }).record(counts);
      assert.deepEqual(bodies, [5_000, 5_000, 2_000]);
    } finally {
      origin.close();
    }
  });
});
