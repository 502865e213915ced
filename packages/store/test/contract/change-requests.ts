import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRequestRecord, Store } from '@vexil/store';
import { environment, project } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { rejectsWithCode, seed } from './helpers.js';

function request(id: string, over: Partial<ChangeRequestRecord> = {}): ChangeRequestRecord {
  return {
    id,
    projectKey: 'p',
    flagKey: 'f',
    environmentKeys: ['prod'],
    patch: [{ op: 'replace', path: '/environments/prod/on', value: false }],
    baseVersion: 3,
    base: { variations: [true, false], environments: { prod: { on: true } } },
    requestedBy: { id: 'token-a', name: 'alice' },
    comment: 'turn it off',
    status: 'pending',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...over,
  };
}

const put = (store: Store, ...requests: ChangeRequestRecord[]) =>
  store.transaction(async (tx) => {
    for (const r of requests) await tx.putChangeRequest(r);
  });

export function changeRequestContract(ctx: StoreContext): void {
  test('change requests: stored whole, listed newest first, filtered by flag and status', async () => {
    const { store } = ctx;
    await seed(store);
    const a = request('a', { createdAt: 1_000 });
    const b = request('b', { createdAt: 3_000, flagKey: 'g', comment: 'ünïcode ✓' });
    const c = request('c', {
      createdAt: 2_000,
      status: 'rejected',
      decidedBy: { id: 'token-b', name: 'bob' },
      decidedAt: 2_500,
      reason: 'not now',
    });
    await put(store, a, b, c);
    assert.deepEqual(await store.getChangeRequest('c'), c);
    assert.equal(await store.getChangeRequest('nope'), undefined);
    const ids = (rs: ChangeRequestRecord[]) => rs.map((r) => r.id);
    assert.deepEqual(ids(await store.listChangeRequests({ projectKey: 'p' })), ['b', 'c', 'a']);
    assert.deepEqual(ids(await store.listChangeRequests({ projectKey: 'p', flagKey: 'f' })), [
      'c',
      'a',
    ]);
    assert.deepEqual(ids(await store.listChangeRequests({ projectKey: 'p', status: 'pending' })), [
      'b',
      'a',
    ]);
    assert.deepEqual(
      ids(await store.listChangeRequests({ projectKey: 'p', flagKey: 'f', status: 'pending' })),
      ['a'],
    );
    assert.deepEqual(ids(await store.listChangeRequests({ projectKey: 'p', limit: 1 })), ['b']);
    assert.deepEqual(await store.listChangeRequests({ projectKey: 'other' }), []);
    assert.deepEqual(await store.listChangeRequests({ projectKey: 'p' }), [b, c, a]);
  });

  test('change requests: replaced by id, read and locked inside a transaction', async () => {
    const { store } = ctx;
    await seed(store);
    await put(store, request('a'));
    const decided = await store.transaction(async (tx) => {
      const current = await tx.getChangeRequestForUpdate('a');
      assert.ok(current);
      const next: ChangeRequestRecord = {
        ...current,
        status: 'approved',
        decidedBy: { id: 'token-b', name: 'bob' },
        decidedAt: 5_000,
        updatedAt: 5_000,
        appliedVersion: 4,
      };
      await tx.putChangeRequest(next);
      assert.deepEqual(await tx.getChangeRequest('a'), next);
      return next;
    });
    assert.deepEqual(await store.getChangeRequest('a'), decided);
    assert.deepEqual(
      await store.listChangeRequests({ projectKey: 'p', status: 'pending' }),
      [],
      'the status filter sees the new status',
    );
    assert.equal(await store.transaction((tx) => tx.getChangeRequestForUpdate('x')), undefined);
  });

  test('change requests: a rolled-back write leaves nothing; a missing project is NOT_FOUND', async () => {
    const { store } = ctx;
    await seed(store);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putChangeRequest(request('a'));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await store.getChangeRequest('a'), undefined);
    await rejectsWithCode(
      store.transaction((tx) => tx.putChangeRequest(request('z', { projectKey: 'missing' }))),
      'NOT_FOUND',
    );
  });

  test('change requests: deleting the project deletes its requests', async () => {
    const { store } = ctx;
    await seed(store);
    await store.transaction(async (tx) => {
      await tx.putProject(project('q'));
      await tx.putChangeRequest(request('a'));
      await tx.putChangeRequest(request('b', { projectKey: 'q' }));
    });
    await store.transaction((tx) => tx.deleteProject('p'));
    assert.equal(await store.getChangeRequest('a'), undefined);
    assert.equal((await store.getChangeRequest('b'))?.projectKey, 'q');
  });

  test('environments: requireApproval is kept when on, absent when off', async () => {
    const { store } = ctx;
    await seed(store);
    const gated = environment('p', 'gated', { requireApproval: true });
    const open = environment('p', 'open', { requireApproval: false });
    await store.transaction(async (tx) => {
      await tx.putEnvironment(gated);
      await tx.putEnvironment(open);
    });
    assert.deepEqual(await store.getEnvironment('p', 'gated'), gated);
    const { requireApproval: _off, ...openStored } = open;
    assert.deepEqual(await store.getEnvironment('p', 'open'), openStored);
    await store.transaction((tx) => tx.putEnvironment({ ...gated, requireApproval: false }));
    assert.equal((await store.getEnvironment('p', 'gated'))?.requireApproval, undefined);
  });
}
