import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEntry } from '../fixtures.js';
import type { StoreContext } from './harness.js';

export function auditContract(ctx: StoreContext): void {
  test('appendAudit returns increasing ids; entries round trip', async () => {
    const { store } = ctx;
    const entry = auditEntry({ comment: 'why', before: { on: false }, after: [1, 'two'] });
    const ids = await store.transaction(async (tx) => [
      await tx.appendAudit(entry),
      await tx.appendAudit(auditEntry()),
    ]);
    assert.ok(ids[1]! > ids[0]!);
    const listed = await store.listAudit({});
    assert.deepEqual(listed[1], { ...entry, id: ids[0] });
  });

  test('a comment round trips as written, in any script and up to the API limit; none stays none', async () => {
    const { store } = ctx;
    const comments = [
      'Ramp to 20% für die Beta — "ticket" #42 ✓',
      '😀'.repeat(500),
      "O'Brien; DROP TABLE audit; -- \\ backslash",
    ];
    await store.transaction(async (tx) => {
      for (const comment of comments) await tx.appendAudit(auditEntry({ comment }));
      await tx.appendAudit(auditEntry());
    });
    const [none, ...rest] = await store.listAudit({ limit: 4 });
    assert.equal(Object.hasOwn(none!, 'comment'), false);
    assert.deepEqual(
      rest.map((e) => e.comment),
      [...comments].reverse(),
    );
  });

  test('listAudit combines filters with AND, newest first', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      await tx.appendAudit(auditEntry({ at: 100, resourceKey: 'a' }));
      await tx.appendAudit(auditEntry({ at: 200, resourceKey: 'b', environmentKey: 'dev' }));
      await tx.appendAudit(auditEntry({ at: 300, resourceKey: 'a', projectKey: 'q' }));
      await tx.appendAudit(auditEntry({ at: 400, resourceKind: 'segment', resourceKey: 'a' }));
      const global = { at: 500, actor: 'admin', action: 'token.create', before: null, after: null };
      await tx.appendAudit({ ...global, resourceKind: 'token', resourceKey: 't' });
    });
    const at = async (query: Parameters<typeof store.listAudit>[0]) =>
      (await store.listAudit(query)).map((e) => e.at);
    assert.deepEqual(await at({}), [500, 400, 300, 200, 100]);
    assert.deepEqual(await at({ projectKey: 'p' }), [400, 200, 100]);
    assert.deepEqual(await at({ projectKey: 'p', environmentKey: 'prod' }), [400, 100]);
    assert.deepEqual(await at({ resourceKind: 'flag', resourceKey: 'a' }), [300, 100]);
    assert.deepEqual(await at({ from: 200, to: 400 }), [300, 200]);
    assert.deepEqual(await at({ projectKey: 'p', from: 150 }), [400, 200]);
    assert.deepEqual(await at({ resourceKind: 'token' }), [500]);
    assert.deepEqual(await at({ projectKey: 'nope' }), []);
  });

  test('listAudit pages with before and limit: default 100, at most 1000', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      for (let i = 0; i < 1005; i++) await tx.appendAudit(auditEntry({ at: i }));
    });
    assert.equal((await store.listAudit({})).length, 100);
    assert.equal((await store.listAudit({ limit: 5000 })).length, 1000);
    const page = await store.listAudit({ limit: 3 });
    assert.deepEqual(
      page.map((e) => e.at),
      [1004, 1003, 1002],
    );
    const next = await store.listAudit({ limit: 3, before: page[2]!.id });
    assert.deepEqual(
      next.map((e) => e.at),
      [1001, 1000, 999],
    );
  });
}
