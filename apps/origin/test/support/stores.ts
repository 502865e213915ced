import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
// pg is @vexil/store's dependency (hoisted in the workspace); tests use it only to drop the
// schema they created.
import pg from 'pg';
import { openMemoryStore, type Store } from '@vexil/store';
import { openPostgresStore } from '@vexil/store/postgres';
import { openSqliteStore } from '@vexil/store/sqlite';
import { serviceSkip, services } from '@vexil/testkit';

/** A fresh, empty store of one kind, and how to remove what it left behind. */
export interface FreshStore {
  readonly store: Store;
  /** Opens another store on the same data (a restart); closed by `cleanup` too. */
  reopen(): Promise<Store>;
  /** Closes every store opened here and deletes their files or schema. */
  cleanup(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'memory' | 'sqlite' | 'postgres';
  /** A reason to skip, when the kind's service is unreachable. */
  skip(): Promise<string | undefined>;
  open(): Promise<FreshStore>;
}

export const memoryStore: StoreKind = {
  name: 'memory',
  skip: () => Promise.resolve(undefined),
  async open() {
    const store = await openMemoryStore();
    return {
      store,
      reopen: () => Promise.reject(new Error('a memory store cannot be reopened')),
      cleanup: () => store.close(),
    };
  },
};

export const sqliteStore: StoreKind = {
  name: 'sqlite',
  skip: () => Promise.resolve(undefined),
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'vexil-origin-'));
    const path = join(dir, 'vexil.db');
    const opened = [await openSqliteStore({ path })];
    return {
      store: opened[0]!,
      async reopen() {
        const store = await openSqliteStore({ path });
        opened.push(store);
        return store;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresStore: StoreKind = {
  name: 'postgres',
  skip: () => serviceSkip('postgres'),
  async open() {
    const schema = `vexil_origin_test_${randomBytes(6).toString('hex')}`;
    const open = () => openPostgresStore({ url: services.postgres, schema });
    const opened = [await open()];
    return {
      store: opened[0]!,
      async reopen() {
        const store = await open();
        opened.push(store);
        return store;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        await dropSchema(schema);
      },
    };
  },
};

export const storeKinds: readonly StoreKind[] = [memoryStore, sqliteStore, postgresStore];

async function dropSchema(schema: string): Promise<void> {
  const url = new URL(services.postgres);
  // Like psql, connect as the OS user when the URL names none.
  if (url.username === '' && !pg.defaults.user) url.username = userInfo().username;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
