import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  failureLine,
  fetchJson,
  json,
  killServer,
  runCli,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

describe('vexil start', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const others: ServerProcess[] = [];
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
  });

  after(async () => {
    killServer(server);
    others.forEach(killServer);
    await data.remove();
    await Promise.all(dirs.map((d) => d.remove()));
  });

  test('answers /healthz and /readyz, and 404 JSON elsewhere', async () => {
    assert.deepEqual(await fetchJson(`${server!.url}/healthz`).then((r) => [r.status, r.body]), [
      200,
      { status: 'ok' },
    ]);
    assert.deepEqual(await fetchJson(`${server!.url}/readyz`).then((r) => [r.status, r.body]), [
      200,
      { status: 'ready', streams: 0 },
    ]);
    const missing = await fetchJson(`${server!.url}/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'NOT_FOUND');
    assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
  });

  test('serves the OpenAPI document without a token', async () => {
    const res = await fetchJson(`${server!.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(String((res.body as { openapi: string }).openapi), /^3\./);
  });

  test('the printed admin token works with fetch; the API refuses requests without it', async () => {
    const res = await fetchJson(`${server!.url}/api/v1/projects`, server!.adminToken);
    assert.equal(res.status, 200);
    assert.deepEqual(
      (res.body as { items: { key: string }[] }).items.map((p) => p.key),
      ['default'],
    );
    assert.equal((await fetchJson(`${server!.url}/api/v1/projects`)).status, 401);
  });

  test('keeps the generated admin token in <data>/admin-token, readable by its owner only', () => {
    const file = join(data.path, 'admin-token');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(existsSync(join(data.path, 'vexil.db')));
  });

  test('prints the demo production keys that the API reports', async () => {
    const env = json(await runCli(['envs', 'get', 'production', '--json'], server!.clientEnv));
    const banner = server!.stdout();
    assert.match(banner, new RegExp(`SDK key\\s+${env.sdkKey}$`, 'm'));
    assert.match(banner, new RegExp(`Mobile key\\s+${env.mobileKey}$`, 'm'));
    assert.match(banner, new RegExp(`Client-side ID\\s+${env.clientSideId}$`, 'm'));
    assert.match(banner, new RegExp(`OpenAPI\\s+${server!.url}/api/v1/openapi.json$`, 'm'));
  });

  test('logs JSON lines after the banner', () => {
    const lines = server!.stdout().split('\n');
    const firstLog = lines.findIndex((l) => l.startsWith('{'));
    assert.ok(firstLog > lines.findIndex((l) => l.startsWith('Try:')));
    assert.equal(JSON.parse(lines[firstLog]!).msg, 'vexil is ready');
  });

  test('a port in use is one error line and exit 1', async () => {
    const port = new URL(server!.url).port;
    const result = await runCli(['start', '--port', port, '--data', data.path]);
    assert.equal(result.code, 1);
    assert.match(failureLine(result), new RegExp(`port ${port} .*already in use`));
  });

  test('bad configuration is one error line and exit 2, naming where it came from', async () => {
    const flag = await runCli(['start', '--port', '70000']);
    assert.equal(flag.code, 2);
    assert.match(failureLine(flag), /--port must be a port number/);
    const variable = await runCli(['start'], { VEXIL_PORT: 'eighty' });
    assert.equal(variable.code, 2);
    assert.match(failureLine(variable), /VEXIL_PORT must be a port number .*"eighty"/);
    const level = await runCli(['start', '--log-level', 'loud']);
    assert.equal(level.code, 2);
    assert.match(failureLine(level), /--log-level must be one of/);
    const token = await runCli(['start'], { VEXIL_ADMIN_TOKEN: 'short' });
    assert.equal(token.code, 2);
    assert.match(failureLine(token), /VEXIL_ADMIN_TOKEN must be at least/);
  });

  test('flags win over environment variables', async () => {
    const fromFlag = await tempDir();
    const fromEnv = await tempDir();
    dirs.push(fromFlag, fromEnv);
    const s = await startServer(fromFlag.path, { VEXIL_DATA_DIR: fromEnv.path, VEXIL_PORT: '1' });
    others.push(s);
    assert.ok(existsSync(join(fromFlag.path, 'vexil.db')));
    assert.ok(!existsSync(join(fromEnv.path, 'vexil.db')));
    assert.equal(await stopServer(s), 0);
  });

  test('a restart on the same data dir keeps the data and the admin token', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const first = await startServer(dir.path);
    others.push(first);
    const created = await runCli(['flags', 'create', 'kept-flag'], first.clientEnv);
    assert.equal(created.code, 0, created.stderr);
    const keys = json(await runCli(['envs', 'get', 'production', '--json'], first.clientEnv));
    assert.equal(await stopServer(first), 0);

    const second = await startServer(dir.path);
    others.push(second);
    assert.equal(second.adminToken, first.adminToken);
    assert.match(second.stdout(), new RegExp(`SDK key\\s+${keys.sdkKey}$`, 'm'));
    const flags = json(await runCli(['flags', 'list', '--json'], second.clientEnv));
    assert.deepEqual(flags.items.map((f: { key: string }) => f.key).sort(), [
      'banner-text',
      'kept-flag',
      'new-checkout',
    ]);
    const projects = json(await runCli(['projects', 'list', '--json'], second.clientEnv));
    assert.equal(projects.items.length, 1, 'the demo project is seeded once');
    assert.equal(await stopServer(second), 0);
  });

  test('honours VEXIL_ADMIN_TOKEN without echoing it or writing a token file', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const token = 'vxl_operator-chosen-token-0123456789';
    const s = await startServer(dir.path, { VEXIL_ADMIN_TOKEN: token });
    others.push(s);
    assert.ok(!s.stdout().includes(token));
    assert.match(s.stdout(), /from VEXIL_ADMIN_TOKEN/);
    assert.ok(!existsSync(join(dir.path, 'admin-token')));
    const res = await fetchJson(`${s.url}/api/v1/projects`, token);
    assert.equal(res.status, 200);
    const list = await runCli(['projects', 'list'], { VEXIL_URL: s.url, VEXIL_TOKEN: token });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^default\s+Default project/m);
    assert.equal(await stopServer(s), 0);
  });

  test('SIGTERM exits 0 promptly, even with an idle keep-alive connection open', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const s = await startServer(dir.path);
    others.push(s);
    // fetch keeps its connection open for reuse: the server must not wait for it.
    assert.equal((await fetchJson(`${s.url}/healthz`)).status, 200);
    const started = Date.now();
    assert.equal(await stopServer(s, 'SIGTERM'), 0);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.match(s.stdout(), /"msg":"stopped"/);
  });

  test('SIGINT (Ctrl-C) exits 0 too', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const s = await startServer(dir.path);
    others.push(s);
    assert.equal(await stopServer(s, 'SIGINT'), 0);
  });
});
