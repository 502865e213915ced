import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOrigin, ensureAdminToken, silentLogger, startScheduleRunner } from '@vexil/origin';
import { openMemoryStore, type Store } from '@vexil/store';
import { json, runCli } from './support/cli-process.js';

// `vexil flags schedule|schedules|reschedule|unschedule` as a user types them, against an origin
// whose schedule runner the test drives on its own clock.

const ADMIN = 'admin-token-for-the-schedule-test';

describe('vexil flags schedule', () => {
  let store: Store;
  let server: Server;
  let env: Record<string, string> = {};
  const vexil = (...args: string[]) => runCli(['flags', ...args, '--project', 'shop'], env);

  before(async () => {
    store = await openMemoryStore();
    const origin = createOrigin({ store });
    await ensureAdminToken(store, ADMIN, 'admin');
    server = createServer((req, res) => void origin.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    env = {
      VEXIL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      VEXIL_TOKEN: ADMIN,
    };
    const call = (path: string, body: unknown) => origin.invoke('POST', `/api/v1${path}`, body);
    await call('/projects', { key: 'shop', name: 'Shop' });
    await call('/projects/shop/environments', { key: 'production', name: 'Production' });
    await call('/projects/shop/flags', {
      key: 'banner',
      variations: [{ value: true }, { value: false }],
    });
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await store.close();
  });

  test('schedules, lists, edits and cancels; the runner applies it', async () => {
    const made = json(
      await vexil(
        'schedule',
        'banner',
        '--at',
        '+10m',
        '--on',
        '--env',
        'production',
        '--comment',
        'launch',
        '--json',
      ),
    );
    assert.equal(made.status, 'pending');
    assert.deepEqual(made.patch, [
      { op: 'replace', path: '/environments/production/on', value: true },
    ]);
    assert.equal(made.comment, 'launch');

    const listed = await vexil('schedules', '--flag', 'banner');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+FLAG\s+AT\s+STATUS\s+BY\s+CHANGE$/m);
    assert.match(listed.stdout, new RegExp(`${made.id}\\s+banner\\s+.*pending\\s+admin`));

    const moved = json(await vexil('reschedule', made.id, '--at', '+1s', '--json'));
    assert.equal(moved.version, 2);
    assert.ok(moved.runAt < made.runAt);

    const other = json(
      await vexil(
        'schedule',
        'banner',
        '--at',
        '+1h',
        '--patch',
        '[{"op":"replace","path":"/description","value":"x"}]',
        '--json',
      ),
    );
    const cancelled = await vexil('unschedule', other.id);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`Cancelled schedule ${other.id}`));

    const runner = startScheduleRunner({
      store,
      logger: silentLogger,
      now: () => Date.now() + 5_000,
      intervalMs: 3_600_000,
    });
    await runner.runDue();
    await runner.stop();
    const all = json(await vexil('schedules', '--json')).items;
    assert.deepEqual(
      all.map((s: { id: string; status: string }) => [s.id, s.status]),
      [
        [made.id, 'done'],
        [other.id, 'cancelled'],
      ],
    );
    assert.equal((await store.getFlag('shop', 'banner'))?.environments['production']?.on, true);
  });

  test('refuses a schedule without a change, and a bad time with the API message', async () => {
    const none = await vexil('schedule', 'banner', '--at', '+1m');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /--patch/);
    const past = await vexil(
      'schedule',
      'banner',
      '--at',
      '2001-01-01T00:00:00Z',
      '--on',
      '--env',
      'production',
    );
    assert.notEqual(past.code, 0);
    assert.match(past.stderr, /in the past/);
  });
});
