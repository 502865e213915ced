import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openSqliteStore, type CheckpointResult } from '@vexil/store/sqlite';
import { runStoreContract } from './contract.js';
import {
  assertNoLostUpdate,
  incrementCounter,
  rejectsWithCode,
  seed,
  seedDirectory,
} from './contract/helpers.js';

const root = await mkdtemp(join(tmpdir(), 'vexil-store-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(root, `store-${++files}.db`);

runStoreContract('sqlite', async () => {
  const path = freshPath();
  const opened = [await openSqliteStore({ path })];
  const reopen = async () => {
    const store = await openSqliteStore({ path });
    opened.push(store);
    return store;
  };
  const cleanup = async () => {
    for (const store of opened) await store.close();
    await rm(path, { force: true });
  };
  return { store: opened[0]!, reopen, cleanup };
});

describe('sqlite store', () => {
  test('refuses a database whose schema is newer than the code', async () => {
    const path = freshPath();
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)').run();
    db.close();
    await rejectsWithCode(openSqliteStore({ path }), 'SCHEMA_TOO_NEW');
  });

  test('migration 5 marks every environment and token of a version 4 database', async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    const expected = await seedDirectory(store);
    await store.close();
    // Migration 5 only adds directory_marks: without it and its version row, this is version 4.
    const db = new Database(path);
    db.exec('DROP TABLE directory_marks; DELETE FROM schema_migrations WHERE version = 5');
    db.close();
    const upgraded = await openSqliteStore({ path });
    try {
      const marks = await upgraded.listDirectoryMarks(100);
      const subjects = marks.map((mark) => mark.subject);
      assert.deepEqual(subjects, expected);
    } finally {
      await upgraded.close();
    }
  });

  test('migration 7 adds secure mode, off, to the environments of a version 6 database', async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    const env = await seed(store);
    await store.close();
    const db = new Database(path);
    db.exec('ALTER TABLE environments DROP COLUMN secure_mode');
    db.exec('DELETE FROM schema_migrations WHERE version = 7');
    db.close();
    const upgraded = await openSqliteStore({ path });
    try {
      assert.deepEqual(await upgraded.getEnvironmentById(env.id), { ...env, secureMode: false });
    } finally {
      await upgraded.close();
    }
  });

  test('an unopenable path is UNAVAILABLE', async () => {
    await rejectsWithCode(
      openSqliteStore({ path: join(root, 'no', 'such', 'x.db') }),
      'UNAVAILABLE',
    );
  });

  test('two writers on one file (another thread, another connection) lose no update', async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    try {
      const env = await seed(store);
      // A worker thread has its own event loop and connections, like a second process.
      const worker = new Worker(new URL('./sqlite-counter-worker.js', import.meta.url), {
        workerData: { path, environmentId: env.id, count: 25 },
      });
      const workerDone = new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      });
      const mine = Array.from({ length: 25 }, () => incrementCounter(store, env.id));
      await Promise.all([...mine, workerDone]);
      await assertNoLostUpdate(store, env.id, 50);
    } finally {
      await store.close();
    }
  });

  test('WAL checkpoints run on a worker thread after commits, not inside them', async () => {
    const path = freshPath();
    const results: CheckpointResult[] = [];
    const store = await openSqliteStore({
      path,
      checkpointDelayMs: 5,
      onCheckpoint: (result) => results.push(result),
    });
    try {
      const env = await seed(store);
      for (let i = 0; i < 40; i++) await incrementCounter(store, env.id);
      const deadline = Date.now() + 10_000;
      while (!results.some((r) => r.log > 0 && r.checkpointed === r.log) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(
        results.some((r) => r.log > 0 && r.checkpointed === r.log),
        `no complete checkpoint reported: ${JSON.stringify(results)}`,
      );
      await assertNoLostUpdate(store, env.id, 40);
    } finally {
      await store.close();
    }
    // Everything committed is in the database file once the store is closed.
    const reopened = await openSqliteStore({ path });
    try {
      assert.equal((await reopened.listProjects()).length, 1);
    } finally {
      await reopened.close();
    }
  });

  test('a closed store reports UNAVAILABLE', async () => {
    const store = await openSqliteStore({ path: freshPath() });
    await store.close();
    await rejectsWithCode(store.listProjects(), 'UNAVAILABLE');
    assert.equal(store.kind, 'sqlite');
  });
});
