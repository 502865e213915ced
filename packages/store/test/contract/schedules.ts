import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScheduleRecord } from '@vexil/store';
import type { StoreContext } from './harness.js';
import { rejectsWithCode, seed } from './helpers.js';

/** A pending schedule of flag `f` in project `p`. */
export function schedule(id: string, runAt: number, extra: Partial<ScheduleRecord> = {}) {
  const record: ScheduleRecord = {
    id,
    projectKey: 'p',
    flagKey: 'f',
    runAt,
    patch: [{ op: 'replace', path: '/environments/prod/on', value: true }],
    createdBy: 'alice',
    createdAt: 1,
    flagVersion: 1,
    status: 'pending',
    version: 1,
    updatedAt: 1,
    ...extra,
  };
  return record;
}

export function scheduleContract(ctx: StoreContext): void {
  test('putSchedule stores schedules; lists filter by flag and status, ordered by runAt then id', async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction(async (tx) => {
      await tx.putSchedule(schedule('b', 2000));
      await tx.putSchedule(schedule('a', 2000, { comment: 'why' }));
      await tx.putSchedule(schedule('c', 1000, { flagKey: 'g', status: 'done', ranAt: 1005 }));
    });
    const all = await store.listSchedules({ projectKey: 'p' });
    assert.deepEqual(
      all.map((s) => s.id),
      ['c', 'a', 'b'],
    );
    assert.deepEqual(all[1], schedule('a', 2000, { comment: 'why' }));
    assert.deepEqual(
      (await store.listSchedules({ projectKey: 'p', flagKey: 'f' })).map((s) => s.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      (await store.listSchedules({ projectKey: 'p', status: 'done' })).map((s) => s.id),
      ['c'],
    );
    assert.deepEqual(await store.listSchedules({ projectKey: 'other' }), []);
    assert.equal((await store.getSchedule('p', 'c'))?.ranAt, 1005);
    assert.equal(await store.getSchedule('other', 'c'), undefined);
    assert.equal(await store.getSchedule('p', 'nope'), undefined);
  });

  test('putSchedule replaces by id; a schedule needs its project, and goes with it', async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction((tx) => tx.putSchedule(schedule('a', 10)));
    await store.transaction(async (tx) => {
      const found = await tx.getScheduleForUpdate('p', 'a');
      assert.ok(found);
      await tx.putSchedule({ ...found, runAt: 20, version: 2 });
    });
    assert.deepEqual(await store.getSchedule('p', 'a'), schedule('a', 20, { version: 2 }));
    await rejectsWithCode(
      store.transaction((tx) => tx.putSchedule(schedule('x', 1, { projectKey: 'none' }))),
      'NOT_FOUND',
    );
    await store.transaction((tx) => tx.deleteProject('p'));
    assert.deepEqual(await store.listSchedules({ projectKey: 'p' }), []);
  });

  test('claimDueSchedules returns pending schedules due by the time, oldest first, up to the limit', async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction(async (tx) => {
      await tx.putSchedule(schedule('late', 300));
      await tx.putSchedule(schedule('early', 100));
      await tx.putSchedule(schedule('mid', 200));
      await tx.putSchedule(schedule('future', 10_000));
      await tx.putSchedule(schedule('gone', 50, { status: 'cancelled' }));
      await tx.putSchedule(schedule('ran', 60, { status: 'done' }));
    });
    const claimed = await store.transaction((tx) => tx.claimDueSchedules(300, 2));
    assert.deepEqual(
      claimed.map((s) => s.id),
      ['early', 'mid'],
    );
    // A claim that is marked done in its transaction is not claimed again.
    await store.transaction(async (tx) => {
      for (const s of await tx.claimDueSchedules(300, 10))
        await tx.putSchedule({ ...s, status: 'done', ranAt: 300 });
    });
    assert.deepEqual(await store.transaction((tx) => tx.claimDueSchedules(300, 10)), []);
    assert.deepEqual(
      (await store.listSchedules({ projectKey: 'p', status: 'pending' })).map((s) => s.id),
      ['future'],
    );
  });

  test('a claim rolled back leaves the schedule pending', async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction((tx) => tx.putSchedule(schedule('a', 1)));
    await assert.rejects(
      store.transaction(async (tx) => {
        const [s] = await tx.claimDueSchedules(5, 1);
        await tx.putSchedule({ ...s!, status: 'done' });
        throw new Error('crash');
      }),
      /crash/,
    );
    assert.equal((await store.getSchedule('p', 'a'))?.status, 'pending');
  });

  test('schedules survive close and reopen', async (t) => {
    const { harness } = ctx;
    if (harness.reopen === undefined) return t.skip('this store keeps nothing after close');
    await seed(harness.store);
    await harness.store.transaction((tx) => tx.putSchedule(schedule('a', 7)));
    const reopened = await harness.reopen();
    assert.deepEqual(await reopened.getSchedule('p', 'a'), schedule('a', 7));
  });
}
