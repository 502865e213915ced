import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@vexil/origin';
import { dashboardHandler, dashboardNotFound } from '../src/server/dashboard-handler.js';
import { createDispatch } from '../src/server/http-dispatch.js';

// An address nobody serves: a browser (a GET that accepts HTML) gets the dashboard with status
// 404, so the dashboard shows its own "not found" page; API clients, SDKs and other methods
// keep the JSON 404, and the API's own paths are never claimed.

const HTML = '<!doctype html><title>Vexil</title>';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('dashboard not-found fallback', () => {
  let dir: string;
  let url: string;
  let server: Server;
  const get = (path: string, accept?: string, method = 'GET') =>
    fetch(`${url}${path}`, { method, headers: accept === undefined ? {} : { accept } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vexil-dashboard-404-'));
    await mkdir(join(dir, 'web'), { recursive: true });
    await writeFile(join(dir, 'web', 'index.html'), HTML);
    const root = join(dir, 'web');
    // The order of vexil start: the dashboard's own pages, (the edge), then the fallback.
    const dispatch = createDispatch(silentLogger, [
      { name: 'dashboard', handle: dashboardHandler(root, { recheckMs: 0 }) },
      { name: 'dashboard-not-found', handle: dashboardNotFound(root) },
    ]);
    server = createServer(dispatch.listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a browser opening an unknown address gets the dashboard, with status 404', async () => {
    for (const path of ['/nope', '/projects-typo/x', '/flags/x/y', '/settings?tab=1']) {
      const res = await get(path, BROWSER);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(String(res.headers.get('content-security-policy')), /default-src 'self'/);
      assert.equal(await res.text(), HTML, path);
    }
    const head = await get('/nope', BROWSER, 'HEAD');
    assert.equal(head.status, 404);
    assert.equal(await head.text(), '');
  });

  test('API clients, SDKs, other methods and /api/ keep the JSON 404', async () => {
    for (const [path, accept, method] of [
      ['/nope', undefined, 'GET'],
      ['/nope', 'application/json', 'GET'],
      ['/sdk/unknown', '*/*', 'GET'],
      ['/api/v1/nothing', BROWSER, 'GET'],
      ['/nope', BROWSER, 'POST'],
    ] as const) {
      const res = await get(path, accept, method);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(String(res.headers.get('content-type')), /^application\/json/, path);
      assert.equal(((await res.json()) as { code: string }).code, 'NOT_FOUND');
    }
  });

  test('a rebuild is served without a restart; without a build everything passes on', async () => {
    const rebuilt = '<!doctype html><title>Vexil 2</title>';
    await writeFile(join(dir, 'web', 'index.html'), rebuilt);
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, 'web', 'index.html'), later, later);
    assert.equal(await (await get('/nope', BROWSER)).text(), rebuilt);
    const alone = dashboardNotFound(join(dir, 'missing'));
    const claimed = await alone(
      { method: 'GET', url: '/nope', headers: { accept: BROWSER } } as never,
      {} as never,
    );
    assert.equal(claimed, false);
  });
});
