import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRecord, EnvironmentSnapshot, NewChange, Store } from '@vexil/store';
import { item } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { incrementCounter, rejectsWithCode, seed } from './helpers.js';

const change = (key: string, version: number, deleted = false): NewChange => ({
  kind: 'flag',
  key,
  version,
  item: item(key, version, deleted),
});

const append = (store: Store, environmentId: string, c: NewChange) =>
  store.transaction((tx) => tx.appendChange(environmentId, c));

/** The state an edge rebuilds by applying changes 1..seq in order. */
function replay(changes: ChangeRecord[], seq: number): EnvironmentSnapshot['items'] {
  const state = new Map<string, EnvironmentSnapshot['items'][number]>();
  for (const c of changes) {
    if (c.seq > seq) break;
    state.set(`${c.kind}/${c.key}`, { kind: c.kind, key: c.key, version: c.version, item: c.item });
  }
  return [...state.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

export function changeContract(ctx: StoreContext): void {
  test('appendChange assigns seq 1, 2, 3... and records the item and commit time', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const before = Date.now();
    const first = await append(store, env.id, change('a', 1));
    const [second, third] = await store.transaction(async (tx) => [
      await tx.appendChange(env.id, change('b', 4)),
      await tx.appendChange(env.id, { kind: 'segment', key: 'a', version: 1, item: item('a', 1) }),
    ]);
    assert.deepEqual([first.seq, second?.seq, third?.seq], [1, 2, 3]);
    assert.deepEqual(
      { ...first, committedAt: 0 },
      {
        environmentId: env.id,
        seq: 1,
        ...change('a', 1),
        committedAt: 0,
      },
    );
    assert.ok(first.committedAt >= before && first.committedAt <= Date.now());
    assert.deepEqual(await store.listChanges(env.id, 0, 10), [first, second, third]);
    assert.equal((await store.getEnvironmentById(env.id))?.seq, 3);
    assert.equal(await store.getItemVersion(env.id, 'flag', 'b'), 4);
    assert.equal(await store.getItemVersion(env.id, 'segment', 'b'), 0);
  });

  test('VERSION_CONFLICT on an equal or lower version, tombstones included', async () => {
    const { store } = ctx;
    const env = await seed(store);
    await append(store, env.id, change('a', 2));
    await rejectsWithCode(append(store, env.id, change('a', 2)), 'VERSION_CONFLICT');
    await rejectsWithCode(append(store, env.id, change('a', 1)), 'VERSION_CONFLICT');
    await append(store, env.id, change('a', 3, true));
    await rejectsWithCode(append(store, env.id, change('a', 3)), 'VERSION_CONFLICT');
    await rejectsWithCode(append(store, env.id, change('a', 1)), 'VERSION_CONFLICT');
    assert.equal(await store.getItemVersion(env.id, 'flag', 'a'), 3);
    const revived = await append(store, env.id, change('a', 4));
    assert.equal(revived.seq, 3, 'rejected appends used no seq');
    await rejectsWithCode(append(store, 'ffffffffffffffffffffffff', change('a', 9)), 'NOT_FOUND');
  });

  test('a VERSION_CONFLICT caught inside the transaction consumes no seq', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const seqs = await store.transaction(async (tx) => {
      const a = await tx.appendChange(env.id, change('a', 1));
      await rejectsWithCode(tx.appendChange(env.id, change('a', 1)), 'VERSION_CONFLICT');
      const b = await tx.appendChange(env.id, change('b', 1));
      return [a.seq, b.seq];
    });
    assert.deepEqual(seqs, [1, 2]);
    assert.equal((await store.getEnvironmentById(env.id))?.seq, 2);
  });

  test('listChanges pages in seq order', async () => {
    const { store } = ctx;
    const env = await seed(store);
    for (let v = 1; v <= 10; v++) await append(store, env.id, change(`k${v % 3}`, v));
    const pages: number[][] = [];
    for (let after = 0; after < 10; after += 3) {
      pages.push((await store.listChanges(env.id, after, 3)).map((c) => c.seq));
    }
    assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    assert.deepEqual(await store.listChanges(env.id, 10, 3), []);
    assert.deepEqual(await store.listChanges(env.id, 0, 0), []);
    assert.deepEqual(await store.listChanges('ffffffffffffffffffffffff', 0, 3), []);
  });

  test('the snapshot is the replay of the change log up to its seq', async () => {
    const { store } = ctx;
    const env = await seed(store);
    await append(store, env.id, change('b', 1));
    await append(store, env.id, change('a', 1));
    await append(store, env.id, change('b', 2, true));
    await append(store, env.id, { kind: 'segment', key: 'a', version: 5, item: item('a', 5) });
    const snapshot = await store.getSnapshot(env.id);
    assert.ok(snapshot);
    assert.equal(snapshot.seq, 4);
    const changes = await store.listChanges(env.id, 0, 100);
    assert.deepEqual(snapshot.items, replay(changes, snapshot.seq));
    assert.deepEqual(snapshot.items.find((i) => i.key === 'b')?.item, item('b', 2, true));
    assert.equal(await store.getSnapshot('ffffffffffffffffffffffff'), undefined);
  });

  test('snapshots taken during concurrent writes are each consistent with their seq', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const writes = Promise.all(Array.from({ length: 20 }, () => incrementCounter(store, env.id)));
    const snapshots: EnvironmentSnapshot[] = [];
    for (let i = 0; i < 20; i++) {
      const snapshot = await store.getSnapshot(env.id);
      assert.ok(snapshot);
      snapshots.push(snapshot);
    }
    await writes;
    const changes = await store.listChanges(env.id, 0, 100);
    for (const snapshot of snapshots) {
      assert.deepEqual(snapshot.items, replay(changes, snapshot.seq), `at seq ${snapshot.seq}`);
    }
  });
}
