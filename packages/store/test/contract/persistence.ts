import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEntry, item, segment, token } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

export function persistenceContract(ctx: StoreContext): void {
  test('data survives close and reopen; seq continues', async (t) => {
    const { store, harness } = ctx;
    if (harness.reopen === undefined) return t.skip('this store keeps nothing after close');
    const env = await seed(store);
    await store.transaction(async (tx) => {
      await tx.putSegment(segment());
      await tx.putToken(token());
      await tx.appendAudit(auditEntry());
      await tx.appendChange(env.id, { kind: 'flag', key: 'f', version: 1, item: item('f', 1) });
    });
    const before = {
      projects: await store.listProjects(),
      environments: await store.listEnvironments(),
      flags: await store.listFlags('p'),
      segments: await store.listSegments('p', 'prod'),
      tokens: await store.listTokens(),
      audit: await store.listAudit({}),
      changes: await store.listChanges(env.id, 0, 10),
      snapshot: await store.getSnapshot(env.id),
    };
    await store.close();
    await store.close();

    const reopened = await harness.reopen();
    try {
      assert.deepEqual(
        {
          projects: await reopened.listProjects(),
          environments: await reopened.listEnvironments(),
          flags: await reopened.listFlags('p'),
          segments: await reopened.listSegments('p', 'prod'),
          tokens: await reopened.listTokens(),
          audit: await reopened.listAudit({}),
          changes: await reopened.listChanges(env.id, 0, 10),
          snapshot: await reopened.getSnapshot(env.id),
        },
        before,
      );
      const next = await reopened.transaction((tx) =>
        tx.appendChange(env.id, { kind: 'flag', key: 'f', version: 2, item: item('f', 2) }),
      );
      assert.equal(next.seq, 2);
    } finally {
      await reopened.close();
    }
  });

  test('opening again on migrated data is a no-op, even while the first store is open', async (t) => {
    const { store, harness } = ctx;
    if (harness.reopen === undefined) return t.skip('this store has no schema');
    const env = await seed(store);
    const second = await harness.reopen();
    try {
      assert.deepEqual(await second.getEnvironmentById(env.id), env);
      await second.transaction((tx) =>
        tx.appendChange(env.id, { kind: 'flag', key: 'f', version: 1, item: item('f', 1) }),
      );
      assert.equal((await store.getEnvironmentById(env.id))?.seq, 1);
    } finally {
      await second.close();
    }
  });
}
