import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectorySubject, Store } from '@vexil/store';
import { environment, flag, item, project, segment, token } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

const env = (id: string): DirectorySubject => ({ kind: 'environment', id });

async function subjects(store: Store): Promise<DirectorySubject[]> {
  return (await store.listDirectoryMarks(10_000)).map((mark) => mark.subject);
}

/** Deletes every mark so far, so that a test sees only the marks of what it does next. */
async function clearMarks(store: Store): Promise<void> {
  const marks = await store.listDirectoryMarks(10_000);
  await store.deleteDirectoryMarks(marks.map((mark) => mark.id));
}

export function directoryMarkContract(ctx: StoreContext): void {
  test('putEnvironment, deleteEnvironment and putToken mark their subject', async () => {
    const { store } = ctx;
    const prod = await seed(store);
    assert.deepEqual(await subjects(store), [env(prod.id)]);
    await clearMarks(store);

    await store.transaction(async (tx) => {
      await tx.putEnvironment({ ...prod, name: 'renamed' });
      await tx.putToken(token('t1'));
      await tx.putToken(token('t1', { revokedAt: 1 }));
      // A token's last use is not in the directory: no mark.
      await tx.putToken(token('t1', { revokedAt: 1, lastUsedAt: 2 }), { directory: false });
      await tx.deleteEnvironment('p', 'prod');
      await tx.deleteEnvironment('p', 'missing');
    });
    assert.deepEqual(await subjects(store), [
      env(prod.id),
      { kind: 'token', hash: 'hash-t1' },
      { kind: 'token', hash: 'hash-t1' },
      env(prod.id),
    ]);
  });

  test('deleteProject marks each of its environments, and no other', async () => {
    const { store } = ctx;
    const prod = await seed(store);
    const dev = environment('p', 'dev');
    await store.transaction(async (tx) => {
      await tx.putEnvironment(dev);
      await tx.putProject(project('q'));
      await tx.putEnvironment(environment('q', 'prod'));
    });
    await clearMarks(store);

    await store.transaction((tx) => tx.deleteProject('p'));
    // In no particular order: the environments are deleted together.
    const marked = (await subjects(store)).map((s) => (s.kind === 'environment' ? s.id : s.hash));
    assert.deepEqual(marked.sort(), [prod.id, dev.id].sort());
  });

  test('writes that leave the directory alone, appendChange included, leave no mark', async () => {
    const { store } = ctx;
    const prod = await seed(store);
    await clearMarks(store);

    await store.transaction(async (tx) => {
      await tx.putFlag(flag('p', 'g'));
      await tx.putSegment(segment());
      await tx.putProject(project('p', { name: 'renamed' }));
      await tx.appendChange(prod.id, { kind: 'flag', key: 'g', version: 1, item: item('g', 1) });
    });
    assert.equal((await store.getEnvironmentById(prod.id))?.seq, 1);
    assert.deepEqual(await subjects(store), []);
  });

  test('marks commit with their write: a rolled-back transaction leaves none', async () => {
    const { store } = ctx;
    const failure = new Error('work failed');
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putProject(project('p'));
        await tx.putEnvironment(environment('p', 'prod'));
        await tx.putToken(token());
        assert.deepEqual(await subjects(store), [], 'uncommitted marks are not listed');
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.deepEqual(await subjects(store), []);
  });

  test('listDirectoryMarks lists the oldest first, at most limit (at least one)', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      for (const id of ['t1', 't2', 't3']) await tx.putToken(token(id));
    });
    const all = await store.listDirectoryMarks(100);
    assert.deepEqual(
      all.map((mark) => mark.subject),
      ['hash-t1', 'hash-t2', 'hash-t3'].map((hash) => ({ kind: 'token', hash })),
    );
    assert.ok(all[0]!.id < all[1]!.id && all[1]!.id < all[2]!.id);
    assert.deepEqual(await store.listDirectoryMarks(2), all.slice(0, 2));
    assert.deepEqual(await store.listDirectoryMarks(0), all.slice(0, 1));
  });

  test('deleteDirectoryMarks deletes exactly the given ids; ids are never reused', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      for (const id of ['t1', 't2', 't3', 't4']) await tx.putToken(token(id));
    });
    const [m1, m2, m3, m4] = await store.listDirectoryMarks(100);
    assert.ok(m1 && m2 && m3 && m4);
    await store.deleteDirectoryMarks([]);
    await store.deleteDirectoryMarks([m1.id, m3.id, m4.id + 1000]);
    assert.deepEqual(await store.listDirectoryMarks(100), [m2, m4]);

    await store.deleteDirectoryMarks([m2.id, m4.id]);
    await store.transaction((tx) => tx.putToken(token('t5')));
    const [m5] = await store.listDirectoryMarks(100);
    assert.ok(m5 && m5.id > m4.id, `mark id ${m5?.id} reused`);
  });
}
