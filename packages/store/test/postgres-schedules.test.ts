import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { test } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '@vexil/store/postgres';
import { serviceSkip, services } from '@vexil/testkit';
import { schedule } from './contract/schedules.js';
import { seed } from './contract/helpers.js';

// Two origins on one PostgreSQL database claim due schedules at once: a row one claimer holds is
// skipped by the other (FOR UPDATE SKIP LOCKED), not waited for, and never claimed twice.

const skip = await serviceSkip('postgres');

async function dropSchema(schema: string): Promise<void> {
  const url = new URL(services.postgres);
  if (url.username === '' && !pg.defaults.user) url.username = userInfo().username;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

test('claimDueSchedules in two stores at once: each schedule is claimed by one', async (t) => {
  if (skip !== undefined) return t.skip(skip);
  const schema = `vexil_test_${randomBytes(6).toString('hex')}`;
  const a = await openPostgresStore({ url: services.postgres, schema });
  const b = await openPostgresStore({ url: services.postgres, schema });
  try {
    await seed(a);
    await a.transaction(async (tx) => {
      for (const id of ['s1', 's2', 's3']) await tx.putSchedule(schedule(id, 100));
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimedA: string[] = [];
    let heldNow!: () => void;
    const holding = new Promise<void>((resolve) => (heldNow = resolve));
    const first = a.transaction(async (tx) => {
      claimedA = (await tx.claimDueSchedules(100, 2)).map((s) => s.id);
      for (const id of claimedA)
        await tx.putSchedule({ ...schedule(id, 100), status: 'done', ranAt: 100 });
      heldNow();
      await held;
    });
    await holding;
    // B does not wait for A's locks: it gets what A does not hold.
    const claimedB = await b.transaction(async (tx) =>
      (await tx.claimDueSchedules(100, 10)).map((s) => s.id),
    );
    release();
    await first;
    assert.deepEqual(claimedA, ['s1', 's2']);
    assert.deepEqual(claimedB, ['s3']);
    // Once A committed, its schedules are done: nobody claims them again.
    const again = await b.transaction(async (tx) => tx.claimDueSchedules(100, 10));
    assert.deepEqual(
      again.map((s) => s.id),
      ['s3'],
    );
  } finally {
    await a.close();
    await b.close();
    await dropSchema(schema);
  }
});
