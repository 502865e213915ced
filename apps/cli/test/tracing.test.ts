import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createInProcessBus } from '@vexil/bus';
import { busUpstream, createEdge, silentLogger, type Edge } from '@vexil/edge';
import {
  createOrigin,
  ensureAdminToken,
  seedDemoProject,
  startPublisher,
  type ChangePublisher,
} from '@vexil/origin';
import { openMemoryStore, type Store } from '@vexil/store';

// One flag write is traceable from the API request through the commit, the publication on the
// bus and the edge's apply to the fan-out: every span shares the request's trace id.

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

describe('tracing a flag write end to end', () => {
  let store: Store;
  let publisher: ChangePublisher;
  let edge: Edge;
  let url = '';
  let sdkKey = '';
  const server = createServer();
  const ADMIN = 'admin-token-for-the-tracing-test';

  before(async () => {
    store = await openMemoryStore();
    const bus = createInProcessBus();
    publisher = startPublisher({ store, bus, logger: silentLogger });
    const origin = createOrigin({
      store,
      onCommit: (ids) => publisher.kick(ids),
      onDirectoryChange: () => publisher.directoryChanged(),
    });
    await ensureAdminToken(store, ADMIN, 'admin');
    const demo = await seedDemoProject(store, origin);
    sdkKey = demo!.environments.find((e) => e.key === 'production')!.sdkKey;
    edge = createEdge({
      upstream: busUpstream({
        bus,
        snapshots: { snapshot: (id) => store.getSnapshot(id) },
        logger: silentLogger,
      }),
    });
    await edge.start();
    server.on('request', (req, res) => {
      if (req.url?.startsWith('/api/') === true) void origin.handle(req, res);
      else if (!edge.handle(req, res)) res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (let i = 0; i < 500 && !edge.status().ready; i++)
      await new Promise((r) => setTimeout(r, 10));
  });

  after(async () => {
    await edge.close();
    await publisher.close();
    server.closeAllConnections();
    server.close();
    await store.close();
    await provider.shutdown();
  });

  test('API request -> store.commit -> bus.publish -> edge.apply -> edge.fanout', async () => {
    const stream = await fetch(`${url}/all`, { headers: { authorization: sdkKey } });
    const reader = stream.body!.getReader();
    await reader.read();
    exporter.reset();
    const res = await fetch(`${url}/api/v1/projects/default/flags/new-checkout`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/environments/production/on', value: false }]),
    });
    assert.equal(res.status, 200);
    let text = '';
    while (!text.includes('event: patch'))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const names = [
      'PATCH /api/v1/projects/{projectKey}/flags/{flagKey}',
      'store.commit',
      'bus.publish',
      'edge.apply',
      'edge.fanout',
    ];
    for (
      let i = 0;
      i < 200 && !names.every((n) => exporter.getFinishedSpans().some((s) => s.name === n));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === names[0]);
    assert.ok(request !== undefined, `spans: ${spans.map((s) => s.name).join(', ')}`);
    const traceId = request.spanContext().traceId;
    for (const name of names) {
      const span = spans.find((s) => s.name === name && s.spanContext().traceId === traceId);
      assert.ok(
        span !== undefined,
        `${name} is in the write's trace (spans: ${spans.map((s) => s.name).join(', ')})`,
      );
    }
  });
});
