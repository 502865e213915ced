import assert from 'node:assert/strict';
import {
  StoreError,
  type DirectorySubject,
  type EnvironmentRecord,
  type Store,
  type StoreErrorCode,
} from '@vexil/store';
import { environment, flag, item, project, token } from '../fixtures.js';

/** Project `p` with environment `prod` and flag `f` (description "0"); returns the environment. */
export async function seed(store: Store): Promise<EnvironmentRecord> {
  const env = environment('p', 'prod');
  await store.transaction(async (tx) => {
    await tx.putProject(project('p'));
    await tx.putEnvironment(env);
    await tx.putFlag(flag('p', 'f', { description: '0' }));
  });
  return { ...env, seq: 0 };
}

/**
 * Environments p/prod and p/dev and tokens t1 and t2 (revoked), then the marks of their writes
 * deleted; returns the marks migration 5 makes of them: environments, then tokens, each by id.
 */
export async function seedDirectory(store: Store): Promise<DirectorySubject[]> {
  const prod = await seed(store);
  const dev = environment('p', 'dev');
  await store.transaction(async (tx) => {
    await tx.putEnvironment(dev);
    await tx.putToken(token('t1'));
    await tx.putToken(token('t2', { revokedAt: 1 }));
  });
  const marks = await store.listDirectoryMarks(100);
  await store.deleteDirectoryMarks(marks.map((mark) => mark.id));
  return [
    ...[prod.id, dev.id].sort().map((id): DirectorySubject => ({ kind: 'environment', id })),
    { kind: 'token', hash: 'hash-t1' },
    { kind: 'token', hash: 'hash-t2' },
  ];
}

export async function rejectsWithCode(promise: Promise<unknown>, code: StoreErrorCode) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/**
 * The read-modify-write the concurrency tests race: lock flag `f`, increment the counter kept
 * in its description, save it and append the new version to the change log.
 */
export function incrementCounter(store: Store, environmentId: string): Promise<number> {
  return store.transaction(async (tx) => {
    const current = await tx.getFlagForUpdate('p', 'f');
    assert.ok(current);
    const next = Number(current.description) + 1;
    await tx.putFlag({ ...current, description: String(next) });
    await tx.appendChange(environmentId, {
      kind: 'flag',
      key: 'f',
      version: next,
      item: item('f', next),
    });
    return next;
  });
}

/** After the race: the counter and the change log show every increment exactly once, in order. */
export async function assertNoLostUpdate(store: Store, environmentId: string, total: number) {
  assert.equal((await store.getFlag('p', 'f'))?.description, String(total));
  const changes = await store.listChanges(environmentId, 0, total + 10);
  assert.deepEqual(
    changes.map((c) => c.seq),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  for (let i = 1; i < changes.length; i++) {
    assert.ok(changes[i]!.version > changes[i - 1]!.version, 'versions strictly increase');
  }
  assert.equal((await store.getEnvironmentById(environmentId))?.seq, total);
}
