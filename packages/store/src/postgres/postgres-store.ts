import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { DirectoryMark } from '../records.js';
import { selectDirectoryMarks } from '../sql/directory-marks-sql.js';
import { toJson } from '../sql/rows.js';
import { ScopedExecutor } from '../sql/scoped-executor.js';
import type { SqlLocks } from '../sql/sql-executor.js';
import { SqlReader } from '../sql/sql-reader.js';
import { SqlTransaction } from '../sql/sql-transaction.js';
import type { Store, StoreTransaction } from '../store.js';
import { migratePostgres } from './migrate-postgres.js';
import { inTransaction } from './pg-client.js';
import { isRetryable } from './pg-errors.js';
import { PgExecutor } from './pg-executor.js';
import { createPool, type PostgresTls } from './pg-pool.js';

export interface PostgresStoreOptions {
  /** e.g. postgres://user:password@host:5432/database */
  url: string;
  /** TLS with libpq's `sslmode` meanings; given, it replaces any ssl parameters of the URL. */
  tls?: PostgresTls;
  /** Schema holding the tables, created if missing. Default `public`. */
  schema?: string;
  /** Connections in the pool. Default 20 (the directory sync holds up to 8 of them). */
  poolSize?: number;
  /** Runs of `work` before a deadlock or serialization failure is reported. Default 5. */
  maxAttempts?: number;
  /** How long to wait for a connection. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Clock for `committedAt`; tests pass a fake one. */
  now?: () => number;
}

const LOCKS: SqlLocks = { forUpdate: 'FOR UPDATE', forShare: 'FOR SHARE' };

/** The ids arrive as one JSON array, so any number of them is one statement. */
const DELETE_DIRECTORY_MARKS = `DELETE FROM directory_marks
  WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)`;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a pool on the database, creating and migrating the schema if needed. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema "${schema}" must be a lowercase identifier: [a-z_][a-z0-9_]*`);
  }
  const now = options.now ?? Date.now;
  const pool = createPool({
    url: options.url,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    schema,
    poolSize: options.poolSize ?? 20,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  });
  try {
    await migratePostgres(pool, schema, now);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresStore(pool, options.maxAttempts ?? 5, now);
}

class PostgresStore extends SqlReader implements Store {
  readonly kind = 'postgres';
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxAttempts: number,
    private readonly now: () => number,
  ) {
    // Outside transactions a snapshot is two reads in one REPEATABLE READ transaction, so both
    // see the same committed state without blocking writers.
    super(new PgExecutor(pool), (read) =>
      inTransaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (exec) =>
        read(exec, ''),
      ),
    );
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // READ COMMITTED whatever the server's default: after waiting for a row lock, the
        // next statement must see what the lock holder committed (appendChange relies on it).
        return await inTransaction(
          this.pool,
          'BEGIN ISOLATION LEVEL READ COMMITTED',
          async (exec) => {
            const scoped = new ScopedExecutor(exec);
            try {
              return await work(new SqlTransaction(scoped, LOCKS, this.now));
            } finally {
              scoped.finish();
            }
          },
        );
      } catch (error) {
        if (attempt >= this.maxAttempts || !isRetryable(error)) throw error;
        // Jittered backoff so that the transactions that collided do not collide again.
        await delay(Math.random() * 5 * 2 ** attempt);
      }
    }
  }

  listDirectoryMarks(limit: number): Promise<DirectoryMark[]> {
    return selectDirectoryMarks(this.exec, limit);
  }

  async deleteDirectoryMarks(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.exec.query(DELETE_DIRECTORY_MARKS, [toJson(ids)]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
