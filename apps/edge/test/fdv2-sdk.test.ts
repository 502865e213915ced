import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { busUpstream, createEdge, silentLogger, type Edge } from '@vexil/edge';
import { FakeOrigin, ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { until } from './support/edge-server.js';
import {
  startRecordingProxy,
  type Exchange,
  type RecordingProxy,
} from './support/recording-proxy.js';
import { parseSse } from './support/sse-recorder.js';

// The real LaunchDarkly Node server SDK with its FDv2 data system (`dataSystem` option: a
// /sdk/poll initializer, then the /sdk/stream synchronizer) against the edge, through a proxy
// that records what the SDK asked for and what the edge answered.

const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface RunningEdge {
  readonly url: string;
  readonly edge: Edge;
  close(): Promise<void>;
}

/** An edge on its own port, fed by a shared bus and origin (so a second one is a restart). */
async function startEdge(bus: ChangeBus, origin: FakeOrigin): Promise<RunningEdge> {
  const edge = createEdge({
    upstream: busUpstream({ bus, snapshots: origin, logger: silentLogger }),
  });
  await edge.start();
  const server: Server = createServer((req, res) => {
    if (!edge.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await until(() => edge.status().ready, 5_000, 'edge ready');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    edge,
    async close() {
      await edge.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

function fdv2Client(url: string, sdkKey: string): LDClient {
  return init(sdkKey, {
    baseUri: url,
    streamUri: url,
    eventsUri: url,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silent,
    dataSystem: {
      dataSource: { dataSourceOptionsType: 'standard', streamInitialReconnectDelay: 0.05 },
    },
  });
}

/** The FDv2 events of an exchange so far: SSE from /sdk/stream, JSON from /sdk/poll. */
function eventsOf(exchange: Exchange): { event: string; data: unknown }[] {
  if (exchange.url.pathname === '/sdk/poll')
    return exchange.body === '' ? [] : (JSON.parse(exchange.body) as { events: [] }).events;
  return parseSse(exchange.body).map((e) => ({ event: e.event ?? '', data: JSON.parse(e.data) }));
}

const intentOf = (exchange: Exchange) => {
  const first = eventsOf(exchange)[0];
  return first?.event === 'server-intent'
    ? (first.data as { payloads: { intentCode: string }[] }).payloads[0]?.intentCode
    : undefined;
};
const nextUpdate = (ld: LDClient, key: string) =>
  new Promise((resolve) => ld.once(`update:${key}`, resolve));
const objectsIn = (exchange: Exchange) =>
  eventsOf(exchange).filter((e) => e.event === 'put-object' || e.event === 'delete-object');

describe('LaunchDarkly Node server SDK over FDv2', () => {
  const bus = createInProcessBus();
  const origin = new FakeOrigin(bus);
  const edges: RunningEdge[] = [];
  const clients: LDClient[] = [];
  let proxy: RecordingProxy;
  let env: TestEnvironment;
  const user = { kind: 'user', key: 'u1' };
  const streamsTo = (target: string, from = 0) =>
    proxy.exchanges
      .slice(from)
      .filter((e) => e.target === target && e.url.pathname === '/sdk/stream');

  before(async () => {
    env = await origin.addEnvironment('production');
    await origin.put(env, 'flag', ldFlag('checkout'));
    await origin.put(
      env,
      'flag',
      ldFlag('banner', { variations: ['a', 'b'], fallthrough: { variation: 1 } }),
    );
    edges.push(await startEdge(bus, origin));
    proxy = await startRecordingProxy(edges[0]!.url);
  });
  after(async () => {
    for (const client of clients) client.close();
    await proxy.close();
    for (const edge of edges) await edge.close();
    await bus.close();
  });

  const client = () => {
    const ld = fdv2Client(proxy.url, env.sdkKey);
    clients.push(ld);
    return ld;
  };

  test('initial values from /sdk/poll, then updates and deletes over /sdk/stream', async () => {
    const ld = client();
    await ld.waitForInitialization({ timeout: 5 });
    assert.equal(await ld.variation('checkout', user, 'default'), true);
    assert.equal(await ld.variation('banner', user, 'default'), 'b');
    const [initial] = proxy.exchanges.filter((e) => e.url.pathname === '/sdk/poll');
    assert.equal(initial?.url.searchParams.get('basis'), null);
    assert.equal(intentOf(initial!), 'xfer-full');

    // The stream synchronizer starts from the selector the poll gave: nothing to transfer.
    await until(() => streamsTo(proxy.target).length === 1, 5_000, 'the SDK stream');
    const [stream] = streamsTo(proxy.target);
    assert.equal(stream!.url.searchParams.get('basis'), `${env.id}:${env.seq}`);
    await until(() => intentOf(stream!) !== undefined, 5_000, 'the server intent');
    assert.equal(intentOf(stream!), 'none');

    const updated = nextUpdate(ld, 'checkout');
    await origin.put(env, 'flag', ldFlag('checkout', { on: false }));
    await updated;
    assert.equal(await ld.variation('checkout', user, 'default'), false);
    const removed = nextUpdate(ld, 'banner');
    await origin.remove(env, 'flag', 'banner');
    await removed;
    assert.equal(await ld.variation('banner', user, 'default'), 'default');
  });

  test('a cut stream resumes with its basis and gets only the changes (xfer-changes)', async () => {
    const [ld] = clients;
    const from = proxy.exchanges.length;
    proxy.cut();
    await until(() => streamsTo(proxy.target, from).length > 0, 5_000, 'the SDK reconnecting');
    const [resumed] = streamsTo(proxy.target, from);
    assert.ok(resumed!.url.searchParams.get('basis')?.startsWith(`${env.id}:`));
    await until(() => intentOf(resumed!) !== undefined, 5_000, 'the server intent');
    assert.equal(intentOf(resumed!), 'xfer-changes');
    assert.deepEqual(
      objectsIn(resumed!).map((e) => e.event),
      ['put-object', 'delete-object'],
      'only the two items changed since the basis',
    );

    const updated = nextUpdate(ld!, 'checkout');
    await origin.put(env, 'flag', ldFlag('checkout', { on: true }));
    await updated;
    assert.equal(await ld!.variation('checkout', user, 'default'), true);
    ld!.close();
  });

  test('after an edge restart the SDK resumes with its basis and gets intent none', async () => {
    const from = proxy.exchanges.length;
    const ld = client();
    await ld.waitForInitialization({ timeout: 5 });
    const old = edges[0]!;
    await until(
      () => streamsTo(old.url, from).some((e) => intentOf(e) === 'none'),
      5_000,
      'the SDK stream',
    );
    const basis = `${env.id}:${env.seq}`;

    // A new edge process with the same data behind the same address, then the old one stops.
    const restarted = await startEdge(bus, origin);
    edges.push(restarted);
    proxy.target = restarted.url;
    await old.close();

    await until(() => streamsTo(restarted.url).length > 0, 5_000, 'the SDK reconnecting');
    const [resumed] = streamsTo(restarted.url);
    assert.equal(resumed!.url.searchParams.get('basis'), basis);
    await until(() => intentOf(resumed!) !== undefined, 5_000, 'the server intent');
    assert.equal(intentOf(resumed!), 'none');
    assert.equal(objectsIn(resumed!).length, 0);
    assert.equal(await ld.variation('checkout', user, 'default'), true);

    const updated = nextUpdate(ld, 'banner');
    await origin.put(
      env,
      'flag',
      ldFlag('banner', { variations: ['x', 'y'], fallthrough: { variation: 0 } }),
    );
    await updated;
    assert.equal(await ld.variation('banner', user, 'default'), 'x');
    assert.equal(objectsIn(resumed!).length, 1);
  });
});
