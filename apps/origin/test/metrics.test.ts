import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { ORIGIN_METRICS as M, silentLogger, startPublisher } from '@vexil/origin';
import { openMemoryStore, StoreError, type Store, type StoreTransaction } from '@vexil/store';
import { sample, until } from '@vexil/testkit';
import { Registry } from 'prom-client';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, expectStatus, seedProject } from './support/fixtures.js';

// The origin's Prometheus metrics: API requests by route template, method and status with their
// latency; store failures by operation (not conflicts, not the API's own errors); and the
// outbox publisher's bus errors and lag.

const servers: ApiServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function api(registry: Registry, store?: Store, onCommit?: (ids: readonly string[]) => void) {
  const server = await startApiServer(store, {
    metrics: registry,
    ...(onCommit === undefined ? {} : { onCommit }),
  });
  servers.push(server);
  return server;
}

/** A store that fails the named operations (Store and StoreTransaction methods) while listed. */
function failing(store: Store, failures: Set<string>): Store {
  const fail = (name: string) => {
    throw new StoreError('UNAVAILABLE', `${name}: the database is down`);
  };
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (prop === 'transaction')
          return async (work: (tx: StoreTransaction) => Promise<unknown>) => {
            if (failures.has('transaction')) fail(prop);
            return method.call(t, (tx: StoreTransaction) => work(wrap(tx)));
          };
        return async (...args: unknown[]) => {
          if (failures.has(prop)) fail(prop);
          return method.apply(t, args);
        };
      },
    });
  return wrap(store);
}

describe('origin metrics', () => {
  test('requests by route template, method and status, with their duration', async () => {
    const registry = new Registry();
    const server = await api(registry);
    await seedProject(server, 'p', ['prod']);
    expectStatus(await server.call('GET', '/api/v1/projects/p'), 200);
    expectStatus(await server.call('GET', '/api/v1/projects/nope'), 404);
    expectStatus(await server.call('GET', '/api/v1/nothing/here'), 404);
    expectStatus(
      await server.call('GET', '/api/v1/projects', undefined, { authorization: 'Bearer bad' }),
      401,
    );
    expectStatus(await server.call('PUT', '/api/v1/projects/p'), 405);

    const requests = (labels: Record<string, string>) => sample(registry, M.requests.name, labels);
    const project = '/api/v1/projects/{projectKey}';
    assert.equal(await requests({ route: project, method: 'GET', status: '200' }), 1);
    assert.equal(await requests({ route: project, method: 'GET', status: '404' }), 1);
    assert.equal(await requests({ route: '/api/v1/projects', method: 'POST', status: '201' }), 1);
    assert.equal(await requests({ route: '/api/v1/projects', method: 'GET', status: '401' }), 1);
    assert.equal(await requests({ route: 'unmatched', status: '404' }), 1);
    assert.equal(await requests({ route: 'unmatched', method: 'PUT', status: '405' }), 1);

    const routes = (await registry.getMetricsAsJSON())
      .find((m) => m.name === M.requests.name)!
      .values.map((v) => String(v.labels['route']));
    assert.ok(
      routes.every((r) => r === 'unmatched' || r.startsWith('/api/v1')),
      `only templates: ${routes.join(', ')}`,
    );
    assert.ok(!routes.some((r) => r.includes('nope')), 'never the raw path');
    const count = `${M.requestDuration.name}_count`;
    assert.equal(await sample(registry, count, { route: project, method: 'GET' }), 2);
  });

  test('store errors by operation; conflicts and API errors are not store errors', async () => {
    const registry = new Registry();
    const failures = new Set<string>();
    const server = await api(registry, failing(await openMemoryStore(), failures));
    await seedProject(server, 'p', ['prod']);
    const errors = (operation?: string) =>
      sample(registry, M.storeErrors.name, operation === undefined ? {} : { operation });

    // A duplicate key (ALREADY_EXISTS), a missing flag and invalid input change nothing here.
    expectStatus(await server.call('POST', '/api/v1/projects', { key: 'p', name: 'P' }), 409);
    const toggle = [{ op: 'replace', path: '/environments/prod/on', value: true }];
    expectStatus(await server.call('PATCH', '/api/v1/projects/p/flags/none', toggle), 404);
    expectStatus(await server.call('POST', '/api/v1/projects/p/flags', { key: 'x' }), 400);
    assert.equal(await errors(), 0);

    failures.add('listProjects');
    expectStatus(await server.call('GET', '/api/v1/projects'), 503);
    assert.equal(await errors('listProjects'), 1);

    failures.add('appendChange');
    expectStatus(await server.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 503);
    assert.equal(await errors('appendChange'), 1);
    assert.equal(await errors('transaction'), 0, 'counted once, where it failed');

    failures.add('transaction');
    expectStatus(await server.call('POST', '/api/v1/projects/p/flags', boolFlag('g')), 503);
    assert.equal(await errors('transaction'), 1);
    assert.equal(await errors(), 3);
  });

  test('outbox lag and bus publish errors while the bus is down', async () => {
    const registry = new Registry();
    const inner = createInProcessBus();
    let down = false;
    const check = () => {
      if (down) throw new Error('the bus is unreachable');
    };
    const bus: ChangeBus = {
      ...inner,
      kind: inner.kind,
      connected: true,
      publish: async (change) => (check(), inner.publish(change)),
      putDirectoryEntry: async (key, entry) => (check(), inner.putDirectoryEntry(key, entry)),
      lastPublishedSeq: async (id) => (check(), inner.lastPublishedSeq(id)),
    };
    const store = await openMemoryStore();
    const publisher = startPublisher({
      store,
      bus,
      logger: silentLogger,
      metrics: registry,
      retryDelayMs: 5,
    });
    try {
      const server = await api(registry, store, (ids) => publisher.kick(ids));
      await seedProject(server, 'p', ['prod']);
      expectStatus(await server.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
      await publisher.idle();
      assert.equal(await sample(registry, M.outboxLag.name), 0);

      const seq = async () => (await store.listEnvironments())[0]!.seq;
      const published = await seq();
      down = true;
      for (const on of [true, false, true]) {
        const res = await server.call('PATCH', '/api/v1/projects/p/flags/f', [
          { op: 'replace', path: '/environments/prod/on', value: on },
        ]);
        expectStatus(res, 200);
      }
      const committed = await seq();
      assert.equal(committed - published, 3);
      await until(
        'an outbox lag of 3',
        async () => (await sample(registry, M.outboxLag.name)) === 3,
        5_000,
      );
      assert.ok((await sample(registry, M.busPublishErrors.name)) >= 1);

      down = false;
      await until(
        'the outbox to drain',
        async () => (await sample(registry, M.outboxLag.name)) === 0,
        15_000,
      );
    } finally {
      await publisher.close();
      await inner.close();
    }
  });
});
