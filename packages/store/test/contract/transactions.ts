import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreTransaction } from '@vexil/store';
import { auditEntry, environment, flag, item, project } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { assertNoLostUpdate, incrementCounter, seed } from './helpers.js';

export function transactionContract(ctx: StoreContext): void {
  test('a throwing transaction rolls back everything; seq is unchanged', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const failure = new Error('work failed');
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putProject(project('q'));
        await tx.putFlag(flag('p', 'g'));
        await tx.deleteFlag('p', 'f');
        await tx.appendChange(env.id, { kind: 'flag', key: 'g', version: 1, item: item('g', 1) });
        await tx.appendAudit(auditEntry({ resourceKey: 'g' }));
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.equal(await store.getProject('q'), undefined);
    assert.equal(await store.getFlag('p', 'g'), undefined);
    assert.ok(await store.getFlag('p', 'f'));
    assert.equal((await store.getEnvironmentById(env.id))?.seq, 0);
    assert.deepEqual(await store.listChanges(env.id, 0, 10), []);
    assert.equal(await store.getItemVersion(env.id, 'flag', 'g'), 0);
    assert.deepEqual(await store.listAudit({}), []);

    const next = await store.transaction((tx) =>
      tx.appendChange(env.id, { kind: 'flag', key: 'g', version: 1, item: item('g', 1) }),
    );
    assert.equal(next.seq, 1, 'the rolled-back change left no gap');
  });

  test("a project's environments and flags are read for update in key order", async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction(async (tx) => {
      await tx.putEnvironment(environment('p', 'dev'));
      await tx.putFlag(flag('p', 'a'));
      await tx.putProject(project('q'));
      await tx.putEnvironment(environment('q', 'other'));
    });
    const [environments, flags] = await store.transaction(async (tx) => [
      (await tx.listEnvironmentsForUpdate('p')).map((e) => e.key),
      (await tx.listFlagsForUpdate('p')).map((f) => f.key),
    ]);
    assert.deepEqual(environments, ['dev', 'prod']);
    assert.deepEqual(flags, ['a', 'f']);
  });

  test('environment seqs, all or only those changed since a time', async () => {
    const { store } = ctx;
    const prod = await seed(store);
    const dev = environment('p', 'dev');
    await store.transaction((tx) => tx.putEnvironment(dev));
    const before = Date.now() - 1;
    await store.transaction((tx) =>
      tx.appendChange(prod.id, { kind: 'flag', key: 'g', version: 1, item: item('g', 1) }),
    );
    const byId = (list: { id: string; seq: number }[]) =>
      list.sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(
      byId(await store.listEnvironmentSeqs()),
      byId([
        { id: prod.id, seq: 1 },
        { id: dev.id, seq: 0 },
      ]),
    );
    assert.deepEqual(await store.listEnvironmentSeqs(before), [{ id: prod.id, seq: 1 }]);
    assert.deepEqual(await store.listEnvironmentSeqs(Date.now() + 60_000), []);
  });

  test('reads outside a transaction see only committed data', async () => {
    const { store } = ctx;
    const env = await seed(store);
    await store.transaction(async (tx) => {
      await tx.putFlag(flag('p', 'g'));
      await tx.appendChange(env.id, { kind: 'flag', key: 'g', version: 1, item: item('g', 1) });
      assert.ok(await tx.getFlag('p', 'g'), 'the transaction sees its own write');
      assert.equal((await tx.getSnapshot(env.id))?.seq, 1);
      assert.equal(await store.getFlag('p', 'g'), undefined);
      assert.equal((await store.getEnvironmentById(env.id))?.seq, 0);
      assert.deepEqual(await store.listChanges(env.id, 0, 10), []);
      assert.deepEqual(await store.getSnapshot(env.id), {
        environmentId: env.id,
        seq: 0,
        items: [],
      });
    });
    assert.ok(await store.getFlag('p', 'g'));
    assert.equal((await store.getSnapshot(env.id))?.seq, 1);
  });

  test('50 concurrent read-modify-write transactions lose no update and leave no seq gap', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => incrementCounter(store, env.id)),
    );
    assert.deepEqual(
      [...results].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    await assertNoLostUpdate(store, env.id, 50);
  });

  test('a transaction object cannot be used after its work settled', async () => {
    const { store } = ctx;
    await seed(store);
    let leaked: StoreTransaction | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    assert.ok(leaked);
    await assert.rejects(leaked.putFlag(flag('p', 'late')));
    assert.equal(await store.getFlag('p', 'late'), undefined);
  });
}
