import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@vexil/origin';
import { apiHandler } from '../src/server/api-handler.js';
import { healthHandler } from '../src/server/health.js';
import { createDispatch, type Dispatch } from '../src/server/http-dispatch.js';
import { sendJson } from '../src/server/send-json.js';

// The dispatch table on a real socket: handlers in mount order, the first claim wins.

describe('http dispatch', () => {
  let server: Server;
  let dispatch: Dispatch;
  let url: string;
  let ready = false;
  const seen: string[] = [];

  before(async () => {
    dispatch = createDispatch(silentLogger);
    dispatch.mount(
      'health',
      healthHandler(() => ({ ready, body: { status: ready ? 'ready' : 'starting' } })),
    );
    dispatch.mount(
      'api',
      apiHandler(() => undefined),
    );
    dispatch.mount('spy', (req) => {
      seen.push(req.url ?? '');
      return false;
    });
    dispatch.mount('async', async (req, res) => {
      await Promise.resolve();
      if (req.url !== '/async') return false;
      sendJson(res, 200, { handler: 'async' });
      return true;
    });
    dispatch.mount('broken', (req) => {
      if (req.url === '/broken') throw new Error('boom');
      return false;
    });
    dispatch.mount('late', (req, res) => {
      if (req.url !== '/async') return false;
      sendJson(res, 200, { handler: 'late' });
      return true;
    });
    server = createServer(dispatch.listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(url + path, { method });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      headers: res.headers,
    };
  };

  test('lists its handlers in mount order', () => {
    assert.deepEqual(dispatch.names, ['health', 'api', 'spy', 'async', 'broken', 'late']);
  });

  test('/readyz is 503 until ready; /healthz is 200 throughout', async () => {
    assert.deepEqual(await get('/readyz').then((r) => [r.status, r.body]), [
      503,
      { status: 'starting' },
    ]);
    assert.equal((await get('/healthz')).status, 200);
    ready = true;
    assert.deepEqual(await get('/readyz?probe=1').then((r) => [r.status, r.body]), [
      200,
      { status: 'ready' },
    ]);
    assert.equal((await get('/healthz', 'POST')).status, 405);
  });

  test('/api answers 503 while the origin is not there yet', async () => {
    const res = await get('/api/v1/projects');
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'UNAVAILABLE');
    assert.equal(res.headers.get('retry-after'), '1');
  });

  test('an async handler can claim; the first claim wins', async () => {
    assert.deepEqual((await get('/async')).body, { handler: 'async' });
  });

  test('a request nobody claims passes every handler and gets a 404', async () => {
    const res = await get('/unclaimed');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'NOT_FOUND');
    assert.ok(seen.includes('/unclaimed'));
    assert.ok(!seen.includes('/healthz'), 'claimed requests stop at their handler');
  });

  test('a handler that throws gets a 500 and the server goes on', async () => {
    assert.equal((await get('/broken')).status, 500);
    assert.equal((await get('/healthz')).status, 200);
  });

  test('after drain() every response closes its connection', async () => {
    dispatch.drain();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    assert.equal(res.headers.get('connection'), 'close');
  });
});

describe('http dispatch while starting', () => {
  test('answers 503 + Retry-After until started(), then 404 for what nobody claims', async () => {
    const dispatch = createDispatch(silentLogger, [], { starting: true });
    const server = createServer(dispatch.listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const early = await fetch(`${url}/api/v1/projects`);
      assert.equal(early.status, 503);
      assert.equal(early.headers.get('retry-after'), '1');
      assert.equal(((await early.json()) as { code: string }).code, 'UNAVAILABLE');
      dispatch.mount('api', (req, res) => {
        if (!req.url?.startsWith('/api/')) return false;
        sendJson(res, 200, { mounted: true });
        return true;
      });
      dispatch.started();
      assert.equal((await fetch(`${url}/api/v1/projects`)).status, 200);
      assert.equal((await fetch(`${url}/elsewhere`)).status, 404);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
