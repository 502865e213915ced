import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flag, project } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { rejectsWithCode } from './helpers.js';

export function createContract(ctx: StoreContext): void {
  test('createProject and createFlag insert only: a taken key is ALREADY_EXISTS', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      await tx.createProject(project('p'));
      await tx.createFlag(flag('p', 'f'));
    });
    await rejectsWithCode(
      store.transaction((tx) => tx.createProject(project('p', { name: 'again' }))),
      'ALREADY_EXISTS',
    );
    await rejectsWithCode(
      store.transaction((tx) => tx.createFlag(flag('p', 'f', { name: 'again' }))),
      'ALREADY_EXISTS',
    );
    assert.equal((await store.getProject('p'))?.name, project('p').name);
    assert.equal((await store.getFlag('p', 'f'))?.name, flag('p', 'f').name);
  });

  test('of concurrent creates of one key, exactly one commits', async () => {
    const { store } = ctx;
    await store.transaction((tx) => tx.createProject(project('base')));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.createProject(project('q', { name: `q${i}` }));
          await tx.createFlag(flag('base', 'g', { name: `g${i}` }));
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    assert.equal((await store.getProject('q'))?.name, `q${winner}`);
    assert.equal((await store.getFlag('base', 'g'))?.name, `g${winner}`);
  });
}
