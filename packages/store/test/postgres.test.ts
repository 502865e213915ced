import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '@vexil/store/postgres';
import { serviceSkip, services } from '@vexil/testkit';
import { runStoreContract } from './contract.js';
import {
  assertNoLostUpdate,
  incrementCounter,
  rejectsWithCode,
  seed,
  seedDirectory,
} from './contract/helpers.js';

const skip = await serviceSkip('postgres');

const freshSchema = () => `vexil_test_${randomBytes(6).toString('hex')}`;

/** Runs statements outside any store (as the OS user when the URL names none, like psql). */
async function admin(...statements: string[]): Promise<void> {
  const url = new URL(services.postgres);
  if (url.username === '' && !pg.defaults.user) url.username = userInfo().username;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

if (skip !== undefined) {
  test('postgres store', (t) => t.skip(skip));
} else {
  runStoreContract('postgres', async () => {
    const schema = freshSchema();
    const open = () => openPostgresStore({ url: services.postgres, schema });
    const opened = [await open()];
    const reopen = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    const cleanup = async () => {
      for (const store of opened) await store.close();
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    };
    return { store: opened[0]!, reopen, cleanup };
  });

  describe('postgres store', () => {
    test('two stores (two pools) writing to one environment lose no update', async () => {
      const schema = freshSchema();
      const [a, b] = [
        await openPostgresStore({ url: services.postgres, schema, poolSize: 5 }),
        await openPostgresStore({ url: services.postgres, schema, poolSize: 5 }),
      ];
      try {
        const env = await seed(a);
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => incrementCounter(i % 2 === 0 ? a : b, env.id)),
        );
        await assertNoLostUpdate(a, env.id, 50);
        await assertNoLostUpdate(b, env.id, 50);
      } finally {
        await a.close();
        await b.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });

    test('two stores opening a new schema at the same time both migrate it once', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(
        [1, 2, 3].map(() => openPostgresStore({ url: services.postgres, schema })),
      );
      try {
        await seed(stores[0]!);
        assert.equal((await stores[2]!.listProjects()).length, 1);
      } finally {
        for (const store of stores) await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });

    test('refuses a schema newer than the code', async () => {
      const schema = freshSchema();
      await (await openPostgresStore({ url: services.postgres, schema })).close();
      try {
        await admin(
          `INSERT INTO ${schema}.schema_migrations (version, applied_at) VALUES (999, 0)`,
        );
        await rejectsWithCode(
          openPostgresStore({ url: services.postgres, schema }),
          'SCHEMA_TOO_NEW',
        );
      } finally {
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });

    test('migration 5 marks every environment and token of a version 4 schema', async () => {
      const schema = freshSchema();
      const store = await openPostgresStore({ url: services.postgres, schema });
      try {
        const expected = await seedDirectory(store);
        await store.close();
        // Migration 5 only adds directory_marks: without it and its version row, this is version 4.
        await admin(
          `DROP TABLE ${schema}.directory_marks`,
          `DELETE FROM ${schema}.schema_migrations WHERE version = 5`,
        );
        const upgraded = await openPostgresStore({ url: services.postgres, schema });
        try {
          const marks = await upgraded.listDirectoryMarks(100);
          const subjects = marks.map((mark) => mark.subject);
          assert.deepEqual(subjects, expected);
        } finally {
          await upgraded.close();
        }
      } finally {
        await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });

    test('migration 7 adds secure mode, off, to the environments of a version 6 schema', async () => {
      const schema = freshSchema();
      const store = await openPostgresStore({ url: services.postgres, schema });
      try {
        const env = await seed(store);
        await store.close();
        await admin(
          `ALTER TABLE ${schema}.environments DROP COLUMN secure_mode`,
          `DELETE FROM ${schema}.schema_migrations WHERE version = 7`,
        );
        const upgraded = await openPostgresStore({ url: services.postgres, schema });
        try {
          assert.deepEqual(await upgraded.getEnvironmentById(env.id), {
            ...env,
            secureMode: false,
          });
        } finally {
          await upgraded.close();
        }
      } finally {
        await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });

    test('an unreachable server is UNAVAILABLE; a bad schema name is refused', async () => {
      const url = new URL(services.postgres);
      url.port = '1';
      await rejectsWithCode(openPostgresStore({ url: url.toString() }), 'UNAVAILABLE');
      await assert.rejects(
        openPostgresStore({ url: services.postgres, schema: 'x; DROP TABLE y' }),
        RangeError,
      );
    });

    test('a closed store reports UNAVAILABLE', async () => {
      const schema = freshSchema();
      const store = await openPostgresStore({ url: services.postgres, schema });
      await store.close();
      try {
        await rejectsWithCode(store.listProjects(), 'UNAVAILABLE');
        await rejectsWithCode(
          store.transaction(async () => undefined),
          'UNAVAILABLE',
        );
      } finally {
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });
  });
}
