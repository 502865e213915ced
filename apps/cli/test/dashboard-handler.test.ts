import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { silentLogger } from '@vexil/origin';
import { dashboardHandler } from '../src/server/dashboard-handler.js';
import { createDispatch } from '../src/server/http-dispatch.js';

// The dashboard handler on a real socket over a build directory made by the test: pages get
// index.html, hashed assets are cached for a year, other paths pass to the next handler, and
// no URL reaches a file outside the build.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: fetch would normalise "/assets/../x" before sending it. */
function get(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.path = path;
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string): Promise<{ url: string; server: Server }> {
  const handle = dashboardHandler(root, { recheckMs: 0 });
  const dispatch = createDispatch(silentLogger, [{ name: 'dashboard', handle }]);
  const server = createServer(dispatch.listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('dashboard handler', () => {
  let dir: string;
  let url: string;
  let server: Server;
  const html = '<!doctype html><title>Vexil</title><script src="/assets/index-abc123.js"></script>';
  const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vexil-dashboard-handler-'));
    await mkdir(join(dir, 'web', 'assets'), { recursive: true });
    await writeFile(join(dir, 'web', 'index.html'), html);
    await writeFile(join(dir, 'web', 'assets', 'index-abc123.js'), js);
    await writeFile(join(dir, 'web', 'assets', 'index-def456.css'), 'body{}');
    await writeFile(join(dir, 'web', 'favicon.svg'), '<svg/>');
    await writeFile(join(dir, 'web', '.hidden'), 'no');
    await writeFile(join(dir, 'secret.txt'), 'outside the build');
    ({ url, server } = await serve(join(dir, 'web')));
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('pages are index.html, for the client-side router, with a same-origin policy', async () => {
    for (const path of [
      '/',
      '/sign-in',
      '/delivery',
      '/tokens',
      '/projects',
      '/projects/p/envs/e/flags/f?x=1',
    ]) {
      const res = await get(url, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.body.toString(), html);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
    }
  });

  test('hashed assets: content type, a year of caching, gzip when asked', async () => {
    const plain = await get(url, '/assets/index-abc123.js');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.body.toString(), js);
    const gzip = await get(url, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gzip.body).toString(), js);
    const css = await get(url, '/assets/index-def456.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const icon = await get(url, '/favicon.svg');
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  test('HEAD has the headers without a body; a matching ETag is a 304', async () => {
    const head = await get(url, '/assets/index-def456.css', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '6');
    assert.equal(head.body.length, 0);
    const again = await get(url, '/assets/index-def456.css', {
      'if-none-match': String(head.headers['etag']),
    });
    assert.equal(again.status, 304);
  });

  test('other paths, other methods, dotfiles and traversal pass on (the dispatch answers 404)', async () => {
    for (const path of [
      '/flags',
      '/all',
      '/sdk/latest-all',
      '/assets/missing.js',
      '/.hidden',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/secret.txt',
      '//etc/passwd',
    ]) {
      const res = await get(url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body.toString(), /outside the build/);
    }
    assert.equal((await get(url, '/', {}, 'POST')).status, 404);
  });

  test('a rebuild while running is served without a restart', async () => {
    const rebuilt = '<!doctype html><title>Vexil 2</title>';
    await writeFile(join(dir, 'web', 'index.html'), rebuilt);
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, 'web', 'index.html'), later, later);
    assert.equal((await get(url, '/')).body.toString(), rebuilt);
  });

  test('without a build, pages say how to build it and everything else passes on', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'vexil-dashboard-none-'));
    const other = await serve(join(empty, 'web'));
    try {
      const res = await get(other.url, '/');
      assert.equal(res.status, 503);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(res.body.toString(), /npm run build/);
      assert.equal((await get(other.url, '/assets/index-abc123.js')).status, 404);
    } finally {
      other.server.closeAllConnections();
      other.server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
