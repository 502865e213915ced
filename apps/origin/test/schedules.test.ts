import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger, startScheduleRunner } from '@vexil/origin';
import type { Store } from '@vexil/store';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  createFlag,
  expectError,
  expectStatus,
  patchFlag,
  seedProject,
} from './support/fixtures.js';
import { postgresStore, sqliteStore } from './support/stores.js';

// Scheduled flag changes: the API checks them as PATCH would, the runner applies each exactly
// once through the same commit path (published, audited as the scheduled action), marks those
// that no longer apply as failed, and catches up at start with the lateness recorded.

const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const turnOn = [{ op: 'replace', path: '/environments/prod/on', value: true }];
const SCHEDULES = '/api/v1/projects/p/flags/f/schedules';

/** A clock the test moves. */
function clock(start = T0) {
  let t = start;
  return { now: () => t, set: (to: number) => (t = to) };
}

/** A runner that only runs when asked (its timer is an hour). */
function runner(store: Store, now: () => number, onCommit?: (ids: readonly string[]) => void) {
  return startScheduleRunner({
    store,
    logger: silentLogger,
    now,
    intervalMs: 3_600_000,
    ...(onCommit === undefined ? {} : { onCommit }),
  });
}

describe('schedules API', () => {
  const time = clock();
  let api: ApiServer;
  before(async () => {
    api = await startApiServer(undefined, { now: time.now });
    await seedProject(api);
    await createFlag(api, { key: 'f', variations: [{ value: true }, { value: false }] });
  });
  after(() => api.close());

  test('create, list, get, edit and cancel', async () => {
    const at = new Date(T0 + 10 * MINUTE).toISOString();
    const created = await api.call(
      'POST',
      SCHEDULES,
      { at, patch: turnOn },
      { 'x-vexil-comment': 'launch%20day' },
    );
    expectStatus(created, 201);
    const s = created.body;
    assert.equal(s.runAt, T0 + 10 * MINUTE);
    assert.equal(s.status, 'pending');
    assert.equal(s.createdBy, 'test admin');
    assert.equal(s.comment, 'launch day');
    assert.equal(s.flagVersion, 1);
    assert.equal(created.headers.get('etag'), '"1"');
    assert.deepEqual(s.patch, turnOn);

    const perFlag = await api.call('GET', SCHEDULES);
    assert.deepEqual(
      perFlag.body.items.map((x: { id: string }) => x.id),
      [s.id],
    );
    const perProject = await api.call('GET', '/api/v1/projects/p/schedules?status=pending');
    assert.equal(perProject.body.items.length, 1);
    expectStatus(await api.call('GET', `/api/v1/projects/p/schedules/${s.id}`), 200);

    const stale = await api.call(
      'PATCH',
      `/api/v1/projects/p/schedules/${s.id}`,
      { at: T0 + 20 * MINUTE },
      { 'if-match': '"7"' },
    );
    expectError(stale, 409, 'VERSION_MISMATCH');
    const edited = await api.call(
      'PATCH',
      `/api/v1/projects/p/schedules/${s.id}`,
      { at: T0 + 20 * MINUTE },
      { 'if-match': '"1"' },
    );
    expectStatus(edited, 200);
    assert.equal(edited.body.runAt, T0 + 20 * MINUTE);
    assert.equal(edited.body.version, 2);

    const cancelled = await api.call('DELETE', `/api/v1/projects/p/schedules/${s.id}`);
    expectStatus(cancelled, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.cancelledBy, 'test admin');
    expectError(
      await api.call('DELETE', `/api/v1/projects/p/schedules/${s.id}`),
      409,
      'CONFLICT',
      'cancelled',
    );
    const audit = await api.call('GET', '/api/v1/audit?project=p&flag=f');
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    assert.deepEqual(actions.slice(0, 3), [
      'flag.schedule-cancel',
      'flag.schedule-edit',
      'flag.schedule',
    ]);
  });

  test('clear 400s and 404s', async () => {
    const post = (body: unknown, path = SCHEDULES) => api.call('POST', path, body);
    expectError(
      await post({ at: T0 - 2 * MINUTE, patch: turnOn }),
      400,
      'VALIDATION_FAILED',
      'in the past',
    );
    expectStatus(await post({ at: T0 - 30_000, patch: turnOn }), 201);
    expectError(
      await post({ at: T0 + 400 * DAY, patch: turnOn }),
      400,
      'VALIDATION_FAILED',
      'a year ahead',
    );
    expectError(
      await post({ at: '2030-01-01 10:00', patch: turnOn }),
      400,
      'VALIDATION_FAILED',
      'ISO 8601',
    );
    expectError(
      await post({
        at: T0 + MINUTE,
        patch: [{ op: 'replace', path: '/environments/nope/on', value: true }],
      }),
      400,
      'VALIDATION_FAILED',
      'does not apply to flag "f" as it is now',
    );
    expectError(
      await post({
        at: T0 + MINUTE,
        patch: [{ op: 'replace', path: '/environments/prod/offVariation', value: 5 }],
      }),
      400,
      'VALIDATION_FAILED',
      'as it is now',
    );
    expectError(await post({ at: T0 + MINUTE }), 400, 'VALIDATION_FAILED');
    expectError(
      await post({ at: T0 + MINUTE, patch: turnOn }, '/api/v1/projects/p/flags/nope/schedules'),
      404,
      'NOT_FOUND',
    );
    expectError(
      await post({ at: T0 + MINUTE, patch: turnOn }, '/api/v1/projects/q/flags/f/schedules'),
      404,
      'NOT_FOUND',
    );
    expectError(await api.call('GET', '/api/v1/projects/p/schedules/nope'), 404, 'NOT_FOUND');
    expectError(
      await api.call('PATCH', '/api/v1/projects/p/schedules/nope', { at: T0 + MINUTE }),
      404,
      'NOT_FOUND',
    );
  });

  test('writers and above schedule; readers only read', async () => {
    const reader = (await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' })).body;
    const writer = (await api.call('POST', '/api/v1/tokens', { name: 'w', role: 'writer' })).body;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const body = { at: T0 + 5 * MINUTE, patch: turnOn };
    expectStatus(await api.call('POST', SCHEDULES, body, as(reader.token)), 403);
    expectStatus(await api.call('GET', SCHEDULES, undefined, as(reader.token)), 200);
    const made = await api.call('POST', SCHEDULES, body, as(writer.token));
    expectStatus(made, 201);
    assert.equal(made.body.createdBy, 'w');
    expectStatus(
      await api.call(
        'DELETE',
        `/api/v1/projects/p/schedules/${made.body.id}`,
        undefined,
        as(reader.token),
      ),
      403,
    );
  });

  test('the OpenAPI document describes the schedule routes', async () => {
    const doc = await api.call('GET', '/api/v1/openapi.json');
    assert.ok(doc.body.paths['/api/v1/projects/{projectKey}/flags/{flagKey}/schedules'].post);
    assert.ok(doc.body.paths['/api/v1/projects/{projectKey}/schedules/{scheduleId}'].patch);
    assert.ok(doc.body.components.schemas.Schedule);
  });
});

describe('schedule runner', () => {
  test('applies a due change once, through the commit path, audited as the scheduled action', async () => {
    const time = clock();
    const api = await startApiServer(undefined, { now: time.now });
    try {
      const { envs } = await seedProject(api);
      await createFlag(api, { key: 'f', variations: [{ value: true }, { value: false }] });
      const s = (
        await api.call('POST', SCHEDULES, {
          at: T0 + 10 * MINUTE,
          patch: turnOn,
          comment: 'go live',
        })
      ).body;
      const kicked: (readonly string[])[] = [];
      const run = runner(api.store, time.now, (ids) => kicked.push(ids));
      try {
        assert.equal(await run.runDue(), 0, 'nothing is due yet');
        time.set(T0 + 10 * MINUTE + 1500);
        assert.equal(await run.runDue(), 1);
        assert.equal(await run.runDue(), 0, 'it ran once');
      } finally {
        await run.stop();
      }
      const flag = (await api.call('GET', '/api/v1/projects/p/flags/f')).body;
      assert.equal(flag.environments.prod.on, true);
      assert.equal(flag.version, 2);
      assert.deepEqual(kicked, [[envs['prod']!.id]]);
      const done = (await api.call('GET', `/api/v1/projects/p/schedules/${s.id}`)).body;
      assert.equal(done.status, 'done');
      assert.equal(done.lateness, 1500);
      assert.equal(done.appliedVersion, 2);
      const audit = (await api.call('GET', '/api/v1/audit?project=p')).body;
      const entry = audit.items.find((e: { id: number }) => e.id === done.auditId);
      assert.equal(entry.action, 'flag.update');
      assert.equal(entry.actor, 'test admin');
      assert.equal(entry.comment, 'go live');
      assert.equal(entry.environmentKey, 'prod');
      assert.deepEqual(entry.scheduled, {
        scheduleId: s.id,
        scheduledBy: 'test admin',
        scheduledAt: T0,
        runAt: T0 + 10 * MINUTE,
        lateness: 1500,
      });
      // A PATCH since scheduling is kept: the patch applies to the current version.
    } finally {
      await api.close();
    }
  });

  test('applies to the current version, and marks a patch that no longer applies failed', async () => {
    const time = clock();
    const api = await startApiServer(undefined, { now: time.now });
    try {
      await seedProject(api);
      await createFlag(api, { key: 'f', variations: [{ value: true }, { value: false }] });
      await createFlag(api, { key: 'g', variations: [{ value: true }, { value: false }] });
      const first = (await api.call('POST', SCHEDULES, { at: T0 + MINUTE, patch: turnOn })).body;
      const doomed = (
        await api.call('POST', '/api/v1/projects/p/flags/g/schedules', {
          at: T0 + MINUTE,
          patch: turnOn,
        })
      ).body;
      expectStatus(
        await patchFlag(api, 'f', [{ op: 'replace', path: '/description', value: 'newer' }]),
        200,
      );
      expectStatus(await api.call('DELETE', '/api/v1/projects/p/flags/g'), 204);
      time.set(T0 + 2 * MINUTE);
      const run = runner(api.store, time.now);
      await run.runDue();
      await run.stop();
      const f = (await api.call('GET', '/api/v1/projects/p/flags/f')).body;
      assert.equal(f.description, 'newer');
      assert.equal(f.environments.prod.on, true);
      assert.equal(
        (await api.call('GET', `/api/v1/projects/p/schedules/${first.id}`)).body.status,
        'done',
      );
      const failed = (await api.call('GET', `/api/v1/projects/p/schedules/${doomed.id}`)).body;
      assert.equal(failed.status, 'failed');
      assert.match(failed.error, /flag "g" in project "p" does not exist/);
      const listed = (await api.call('GET', '/api/v1/projects/p/schedules?status=failed')).body;
      assert.deepEqual(
        listed.items.map((x: { id: string }) => x.id),
        [doomed.id],
      );
      const audit = (await api.call('GET', '/api/v1/audit?project=p&flag=g')).body;
      assert.equal(audit.items[0].action, 'flag.schedule-fail');
      assert.equal(audit.items[0].after.schedule.error, failed.error);
      assert.equal(audit.items[0].scheduled.scheduleId, doomed.id);
    } finally {
      await api.close();
    }
  });
});

describe('schedules and approvals', () => {
  test('no schedule changes an environment that requires approval: refused, or failed when due', async () => {
    const time = clock();
    const api = await startApiServer(undefined, { now: time.now });
    try {
      await seedProject(api);
      await createFlag(api, { key: 'f', variations: [{ value: true }, { value: false }] });
      const early = (await api.call('POST', SCHEDULES, { at: T0 + MINUTE, patch: turnOn })).body;
      const requireApproval = [{ op: 'replace', path: '/requireApproval', value: true }];
      expectStatus(
        await api.call('PATCH', '/api/v1/projects/p/environments/prod', requireApproval),
        200,
      );
      const refused = await api.call('POST', SCHEDULES, { at: T0 + MINUTE, patch: turnOn });
      expectError(refused, 409, 'CONFLICT', 'requires approval');
      time.set(T0 + 2 * MINUTE);
      const run = runner(api.store, time.now);
      await run.runDue();
      await run.stop();
      const failed = (await api.call('GET', `/api/v1/projects/p/schedules/${early.id}`)).body;
      assert.equal(failed.status, 'failed');
      assert.match(failed.error, /prod requires approval/);
      const f = (await api.call('GET', '/api/v1/projects/p/flags/f')).body;
      assert.equal(f.environments.prod.on, false);
    } finally {
      await api.close();
    }
  });
});

describe('schedule runner across restarts (sqlite)', () => {
  test('a change due while the origin was down runs at start, with its lateness', async () => {
    const fresh = await sqliteStore.open();
    try {
      const time = clock();
      const api = await startApiServer(fresh.store, { now: time.now });
      await seedProject(api);
      await createFlag(api, { key: 'f', variations: [{ value: true }, { value: false }] });
      const s = (await api.call('POST', SCHEDULES, { at: T0 + MINUTE, patch: turnOn })).body;
      await api.close();
      // Down for an hour; the change was due after a minute.
      time.set(T0 + 60 * MINUTE);
      const store = await fresh.reopen();
      const run = startScheduleRunner({ store, logger: silentLogger, now: time.now });
      try {
        const deadline = Date.now() + 5000;
        while ((await store.getSchedule('p', s.id))?.status !== 'done') {
          assert.ok(Date.now() < deadline, 'the runner ran it at start');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await run.stop();
      }
      const done = await store.getSchedule('p', s.id);
      assert.equal(done?.lateness, 59 * MINUTE);
      assert.equal((await store.getFlag('p', 'f'))?.environments['prod']?.on, true);
      const [entry] = await store.listAudit({ projectKey: 'p', resourceKind: 'flag', limit: 1 });
      assert.equal(entry?.action, 'flag.update');
      assert.equal(entry?.scheduled?.lateness, 59 * MINUTE);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('schedule runner exactly once (two origins on one PostgreSQL)', () => {
  test('two runners racing on one database run each schedule once', async (t) => {
    const skip = await postgresStore.skip();
    if (skip !== undefined) return t.skip(skip);
    const fresh = await postgresStore.open();
    try {
      const time = clock();
      const api = await startApiServer(fresh.store, { now: time.now });
      await seedProject(api);
      await createFlag(api, {
        key: 'f',
        variations: [{ value: 0 }, { value: 1 }],
      });
      const n = 12;
      for (let i = 0; i < n; i++) {
        // Each flips the description to its own text: n changes, n flag versions.
        const res = await api.call('POST', SCHEDULES, {
          at: T0 + MINUTE + i,
          patch: [{ op: 'replace', path: '/description', value: `change ${i}` }],
        });
        expectStatus(res, 201);
      }
      time.set(T0 + 2 * MINUTE);
      const other = await fresh.reopen();
      const [a, b] = [runner(fresh.store, time.now), runner(other, time.now)];
      const [ranA, ranB] = await Promise.all([a.runDue(), b.runDue()]);
      await Promise.all([a.stop(), b.stop()]);
      assert.equal(ranA + ranB, n, `ran ${ranA} + ${ranB}`);
      const all = await fresh.store.listSchedules({ projectKey: 'p' });
      assert.ok(all.every((s) => s.status === 'done'));
      const flag = await fresh.store.getFlag('p', 'f');
      assert.equal(flag?.version, 1 + n);
      assert.equal(flag?.description, `change ${n - 1}`);
      const updates = (await fresh.store.listAudit({ projectKey: 'p', limit: 500 })).filter(
        (e) => e.action === 'flag.update',
      );
      assert.equal(updates.length, n);
      assert.equal(new Set(updates.map((e) => e.scheduled?.scheduleId)).size, n);
      await api.close();
    } finally {
      await fresh.cleanup();
    }
  });
});
