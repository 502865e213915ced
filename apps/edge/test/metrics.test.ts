import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createInProcessBus } from '@vexil/bus';
import {
  busUpstream,
  relayUpstream,
  createEdge,
  EDGE_METRICS as M,
  silentLogger,
  type EdgeOptions,
} from '@vexil/edge';
import { sample, samples } from '@vexil/testkit';
import { Registry } from 'prom-client';
import { WebSocket } from 'ws';
import { b64, getJson, synced, without } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { FakeOrigin, ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { openSse, type SseStream } from './support/sse-client.js';

// The edge's Prometheus metrics on a real edge: streams by protocol, connects and disconnects by
// reason, refusals by reason, messages and bytes per broadcast, the propagation and fan-out
// histograms, evaluations with a bounded number of flag labels, bus lag and upstream status.

const user = { kind: 'user', key: 'u1' };

interface Running {
  readonly registry: Registry;
  readonly edge: EdgeServer;
  readonly env: TestEnvironment;
}

const running: EdgeServer[] = [];
const open: { close(): void }[] = [];
after(async () => {
  for (const s of open) s.close();
  await Promise.all(running.map((e) => e.close()));
});

async function edgeWithMetrics(options: Partial<EdgeOptions> = {}): Promise<Running> {
  const registry = new Registry();
  const edge = await startEdgeServer(options, 0, { metrics: registry });
  running.push(edge);
  const env = await edge.origin.addEnvironment('metrics');
  await edge.origin.put(env, 'flag', ldFlag('f'));
  await synced(edge, env);
  return { registry, edge, env };
}

async function sse(url: string, key: string): Promise<SseStream> {
  const stream = await openSse(url, { headers: { authorization: key } });
  open.push(stream);
  return stream;
}

async function ws(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  open.push({ close: () => socket.terminate() });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`${res.statusCode}`)));
  });
  return socket;
}

/** Waits for a metric sample to reach `expected` (gauges are read at scrape time). */
async function reaches(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
  expected: number,
): Promise<void> {
  let last = -1;
  await until(
    () => {
      void sample(registry, name, labels).then((v) => (last = v));
      return last === expected;
    },
    5_000,
    `${name}${JSON.stringify(labels)} = ${expected} (last ${last})`,
  );
}

describe('edge metrics', () => {
  test('streams by environment and protocol; connects; disconnects by reason', async () => {
    const { registry, edge, env } = await edgeWithMetrics();
    const all = await sse(`${edge.url}/all`, env.sdkKey);
    await all.next();
    await (await sse(`${edge.url}/sdk/stream`, env.sdkKey)).next();
    await (await sse(`${edge.url}/vexil/v1/stream`, env.sdkKey)).next();
    await (await sse(`${edge.url}/eval/${env.id}/${b64(user)}`, '')).next();
    await (await sse(`${edge.url}/ping/${env.id}`, '')).next();
    await ws(`${edge.url.replace('http', 'ws')}/vexil/v1/ws?key=${env.sdkKey}`);

    const expected = { fdv1: 1, fdv2: 1, vexil: 1, client: 2, ws: 1 };
    for (const [protocol, n] of Object.entries(expected)) {
      await reaches(registry, M.streams.name, { environment: env.id, protocol }, n);
      assert.equal(await sample(registry, M.connects.name, { protocol }), n, protocol);
    }

    all.close();
    await reaches(registry, M.disconnects.name, { reason: 'client' }, 1);
    await reaches(registry, M.streams.name, { protocol: 'fdv1' }, 0);
    await edge.edge.drain(0);
    await reaches(registry, M.disconnects.name, { reason: 'drain' }, 5);
    assert.deepEqual(await samples(registry, M.streams.name), []);
  });

  test('messages and bytes per broadcast; propagation and fan-out histograms', async () => {
    const { registry, edge, env } = await edgeWithMetrics();
    const streams = [
      await sse(`${edge.url}/all`, env.sdkKey),
      await sse(`${edge.url}/all`, env.sdkKey),
    ];
    for (const s of streams) await s.next();
    const count = (name: string) => sample(registry, `${name}_count`);
    const before = {
      commit: await count(M.commitToApply.name),
      written: await count(M.applyToWritten.name),
      fanout: await count(M.fanoutDuration.name),
    };

    await edge.origin.put(env, 'flag', ldFlag('f', { on: false }));
    const events = await Promise.all(streams.map((s) => s.next()));
    const patch = events[0]!;
    assert.equal(patch.event, 'patch');
    const size = Buffer.byteLength(`id: ${patch.id}\nevent: patch\ndata: ${patch.data}\n\n`);

    assert.equal(await sample(registry, M.messagesSent.name, { protocol: 'fdv1' }), 2);
    assert.equal(await sample(registry, M.bytesSent.name, { protocol: 'fdv1' }), 2 * size);
    assert.equal(await count(M.commitToApply.name), before.commit + 1);
    await reaches(registry, `${M.applyToWritten.name}_count`, {}, before.written + 1);
    await reaches(registry, `${M.fanoutDuration.name}_count`, {}, before.fanout + 1);
  });

  test('stream refusals by reason; polls are not counted', async () => {
    const { registry, edge, env } = await edgeWithMetrics({ maxStreams: 1 });
    const refusals = (reason: string) => sample(registry, M.refusals.name, { reason });

    assert.equal(
      (await fetch(`${edge.url}/all`, { headers: { authorization: 'sdk-x' } })).status,
      401,
    );
    assert.equal((await fetch(`${edge.url}/eval/nope/${b64(user)}`)).status, 404);
    await assert.rejects(ws(`${edge.url.replace('http', 'ws')}/vexil/v1/ws?key=sdk-x`), /401/);
    const poll = await fetch(`${edge.url}/sdk/latest-all`, { headers: { authorization: 'sdk-x' } });
    assert.equal(poll.status, 401);
    assert.equal(await refusals('auth'), 3);

    await (await sse(`${edge.url}/all`, env.sdkKey)).next();
    const capped = await fetch(`${edge.url}/sdk/stream`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(capped.status, 503);
    assert.equal(await refusals('cap'), 1);

    await edge.edge.drain(0);
    const drained = await fetch(`${edge.url}/all`, { headers: { authorization: env.sdkKey } });
    assert.equal(drained.status, 503);
    assert.equal(await refusals('draining'), 1);

    const busy = await edgeWithMetrics({ maxInitialPayloadsInFlight: 0 });
    const overloaded = await fetch(`${busy.edge.url}/all`, {
      headers: { authorization: busy.env.sdkKey },
    });
    assert.equal(overloaded.status, 503);
    assert.equal(await sample(busy.registry, M.refusals.name, { reason: 'overloaded' }), 1);

    // An edge whose directory watch is not live yet (its upstream is unreachable): every stream
    // is refused as not ready.
    const empty = new Registry();
    const unreachable = relayUpstream({
      url: 'http://127.0.0.1:1',
      token: 'edge-token',
      logger: silentLogger,
    });
    const starting = await startEdgeServer({}, 0, { metrics: empty, upstream: unreachable });
    running.push(starting);
    const early = await fetch(`${starting.url}/all`, { headers: { authorization: 'sdk-x' } });
    assert.equal(early.status, 503);
    assert.equal(await sample(empty, M.refusals.name, { reason: 'not_ready' }), 1);
  });

  test('evaluations by flag and variation, with at most N flag labels', async () => {
    const { registry, edge, env } = await edgeWithMetrics({ metricsFlagLabels: 2 });
    await edge.origin.put(env, 'flag', ldFlag('g', { fallthrough: { variation: 1 } }));
    await edge.origin.put(env, 'flag', without(ldFlag('h', { on: false }), 'offVariation'));
    await synced(edge, env);

    const res = await getJson(`${edge.url}/sdk/evalx/${env.id}/contexts/${b64(user)}`);
    assert.equal(res.status, 200);
    const counts = await samples(registry, M.evaluations.name);
    assert.deepEqual(counts.map((c) => [c.labels['flag'], c.labels['variation'], c.value]).sort(), [
      ['_other', 'none', 1],
      ['f', '0', 1],
      ['g', '1', 1],
    ]);

    const ofrep = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/g`, {
      method: 'POST',
      headers: { authorization: env.sdkKey, 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'u1' } }),
    });
    assert.equal(ofrep.status, 200);
    assert.equal(await sample(registry, M.evaluations.name, { flag: 'g', variation: '1' }), 2);

    await (await sse(`${edge.url}/eval/${env.id}/${b64(user)}`, '')).next();
    assert.equal(await sample(registry, M.evaluations.name), 7, 'the stream evaluated all three');
  });

  test('bus lag, snapshot age and upstream status', async () => {
    const { registry, edge, env } = await edgeWithMetrics({ busLagIntervalMs: 10 });
    await reaches(registry, M.busLag.name, { environment: env.id }, 0);
    assert.equal(await sample(registry, M.upstreamConnected.name), 1);
    assert.equal(await sample(registry, M.stale.name), 0);
    const age = await sample(registry, M.snapshotAge.name, { environment: env.id });
    assert.ok(age >= 0 && age < 60, `snapshot age ${age}`);
    await edge.close();
    running.splice(running.indexOf(edge), 1);
  });

  test('bus lag is the upstream head minus the applied seq, sampled periodically', async () => {
    const bus = createInProcessBus();
    const origin = new FakeOrigin(bus);
    const registry = new Registry();
    let head = 0;
    const upstream = {
      ...busUpstream({ bus, snapshots: origin, logger: silentLogger }),
      head: async () => head,
    };
    const edge = createEdge({ upstream, metrics: registry, options: { busLagIntervalMs: 10 } });
    await edge.start();
    try {
      const env = await origin.addEnvironment('lag');
      await origin.put(env, 'flag', ldFlag('f'));
      edge.want(env.id);
      await until(() => edge.status().environments[0]?.seq === 1, 5_000, 'the change applied');
      head = 42;
      await reaches(registry, M.busLag.name, { environment: env.id }, 41);
      head = 1;
      await reaches(registry, M.busLag.name, { environment: env.id }, 0);
    } finally {
      await edge.close();
      await bus.close();
    }
  });
});
