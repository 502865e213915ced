import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '@vexil/store';
import { environment, flag, item, project, segment } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

/** Seeds p/prod with a segment and two changes, and p/dev with one change. */
async function populate(store: Store) {
  const prod = await seed(store);
  const dev = environment('p', 'dev');
  await store.transaction(async (tx) => {
    await tx.putEnvironment(dev);
    await tx.putFlag(flag('p', 'g', { environments: { prod: flag().environments['prod']! } }));
    await tx.putSegment(segment('p', 'prod', 's'));
    await tx.putSegment(segment('p', 'dev', 's'));
    await tx.appendChange(prod.id, { kind: 'flag', key: 'f', version: 1, item: item('f', 1) });
    await tx.appendChange(prod.id, { kind: 'segment', key: 's', version: 1, item: item('s', 1) });
    await tx.appendChange(dev.id, { kind: 'flag', key: 'f', version: 1, item: item('f', 1) });
  });
  return { prod, dev };
}

async function assertEnvironmentGone(store: Store, environmentId: string) {
  assert.equal(await store.getEnvironmentById(environmentId), undefined);
  assert.equal(await store.getSnapshot(environmentId), undefined);
  assert.deepEqual(await store.listChanges(environmentId, 0, 100), []);
  assert.equal(await store.getItemVersion(environmentId, 'flag', 'f'), 0);
}

export function cascadeContract(ctx: StoreContext): void {
  test('deleteProject removes environments, flags, segments, items and change logs', async () => {
    const { store } = ctx;
    const { prod, dev } = await populate(store);
    await store.transaction(async (tx) => {
      await tx.putProject(project('other'));
      await tx.deleteProject('p');
    });
    assert.equal(await store.getProject('p'), undefined);
    assert.deepEqual(await store.listFlags('p'), []);
    assert.deepEqual(await store.listSegments('p', 'prod'), []);
    assert.deepEqual(await store.listEnvironments('p'), []);
    await assertEnvironmentGone(store, prod.id);
    await assertEnvironmentGone(store, dev.id);
    assert.deepEqual(
      (await store.listProjects()).map((p) => p.key),
      ['other'],
    );

    // Recreated under the same keys and id, nothing of the old project shows through.
    await store.transaction(async (tx) => {
      await tx.putProject(project('p'));
      await tx.putEnvironment(prod);
    });
    assert.deepEqual(await store.getSnapshot(prod.id), {
      environmentId: prod.id,
      seq: 0,
      items: [],
    });
    assert.deepEqual(await store.listSegments('p', 'prod'), []);
  });

  test('deleteEnvironment removes its segments, items and changes; flags are untouched', async () => {
    const { store } = ctx;
    const { prod, dev } = await populate(store);
    const flagsBefore = await store.listFlags('p');
    await store.transaction((tx) => tx.deleteEnvironment('p', 'prod'));
    await assertEnvironmentGone(store, prod.id);
    assert.deepEqual(await store.listSegments('p', 'prod'), []);
    assert.deepEqual(await store.listFlags('p'), flagsBefore);
    assert.ok((await store.getFlag('p', 'g'))?.environments['prod'], 'flag targeting is kept');
    assert.equal((await store.getEnvironmentById(dev.id))?.seq, 1);
    assert.equal((await store.listSegments('p', 'dev')).length, 1);
  });
}
