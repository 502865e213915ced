import Database from 'better-sqlite3';
import { Mutex } from '../internal/mutex.js';
import type { DirectoryMark } from '../records.js';
import { selectDirectoryMarks } from '../sql/directory-marks-sql.js';
import { toJson } from '../sql/rows.js';
import { ScopedExecutor } from '../sql/scoped-executor.js';
import type { SnapshotScope, SqlLocks } from '../sql/sql-executor.js';
import { SqlReader } from '../sql/sql-reader.js';
import { SqlTransaction } from '../sql/sql-transaction.js';
import type { Store, StoreTransaction } from '../store.js';
import { type Checkpointer, type CheckpointResult, startCheckpointer } from './checkpointer.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { mapSqliteError } from './sqlite-errors.js';
import { SqliteExecutor } from './sqlite-executor.js';

export interface SqliteStoreOptions {
  /** The database file, created with its schema if missing. Its directory must exist. */
  path: string;
  /** How long a writer waits for another process's write transaction. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Clock for `committedAt`; tests pass a fake one. */
  now?: () => number;
  /** How long after a burst of commits its WAL checkpoint runs. Default 200 ms. */
  checkpointDelayMs?: number;
  /** Called with each background checkpoint's outcome (tests). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/** BEGIN IMMEDIATE already excludes every other writer; SQLite has no row locks. */
const NO_LOCKS: SqlLocks = { forUpdate: '', forShare: '' };

/** The ids arrive as one JSON array, so any number of them is one statement. */
const DELETE_DIRECTORY_MARKS =
  'DELETE FROM directory_marks WHERE id IN (SELECT value FROM json_each($1))';

/**
 * Opens (creating and migrating if needed) a SQLite store on a file, in WAL mode. One write
 * connection runs transactions one at a time; a second, read-only connection serves reads
 * outside transactions, so they never see a transaction's uncommitted writes.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now;
  const timeout = options.busyTimeoutMs ?? 5000;
  const opened: Database.Database[] = [];
  try {
    const writeDb = new Database(options.path, { timeout });
    opened.push(writeDb);
    writeDb.pragma('journal_mode = WAL');
    // SQLite enforces foreign keys (and their cascades) only when asked, per connection.
    writeDb.pragma('foreign_keys = ON');
    const writer = new SqliteExecutor(writeDb);
    await migrateSqlite(writer, now);
    const readDb = new Database(options.path, { timeout, readonly: true, fileMustExist: true });
    opened.push(readDb);
    const checkpointer = startCheckpointer(writeDb, options.path, {
      ...(options.checkpointDelayMs === undefined ? {} : { delayMs: options.checkpointDelayMs }),
      ...(options.onCheckpoint === undefined ? {} : { onCheckpoint: options.onCheckpoint }),
    });
    return new SqliteStore(writer, new SqliteExecutor(readDb), new Mutex(), checkpointer, now);
  } catch (error) {
    for (const db of opened) db.close();
    throw mapSqliteError(error);
  }
}

class SqliteStore extends SqlReader implements Store {
  readonly kind = 'sqlite';
  private readonly writers = new Mutex();
  private closed = false;

  constructor(
    private readonly writer: SqliteExecutor,
    private readonly reader: SqliteExecutor,
    private readonly snapshots: Mutex,
    private readonly checkpointer: Checkpointer,
    private readonly now: () => number,
  ) {
    super(reader, readTransaction(reader, snapshots));
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.writers.run(async () => {
      // IMMEDIATE takes the write lock now (waiting up to the busy timeout for another
      // process), instead of failing with SQLITE_BUSY when the first write upgrades it.
      this.writer.run('BEGIN IMMEDIATE');
      const scoped = new ScopedExecutor(this.writer);
      try {
        const result = await work(new SqlTransaction(scoped, NO_LOCKS, this.now));
        this.writer.run('COMMIT');
        this.checkpointer.committed();
        return result;
      } catch (error) {
        rollback(this.writer);
        throw error;
      } finally {
        scoped.finish();
      }
    });
  }

  listDirectoryMarks(limit: number): Promise<DirectoryMark[]> {
    return selectDirectoryMarks(this.reader, limit);
  }

  async deleteDirectoryMarks(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    // Between transactions on the write connection: one statement commits on its own.
    await this.writers.run(() => this.writer.query(DELETE_DIRECTORY_MARKS, [toJson(ids)]));
    this.checkpointer.committed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let the running transaction and snapshot read finish before closing their connections.
    await this.writers.run(() => this.snapshots.run(async () => undefined));
    await this.checkpointer.close();
    this.reader.db.close();
    this.writer.db.close();
  }
}

/** Rolls back if a transaction is still open; a failure here must not hide the first error. */
function rollback(writer: SqliteExecutor): void {
  try {
    if (writer.db.inTransaction) writer.run('ROLLBACK');
  } catch {
    // The connection is unusable; the next BEGIN IMMEDIATE reports that as UNAVAILABLE.
  }
}

/**
 * Snapshot reads on the read connection inside one deferred read transaction: WAL gives it a
 * stable view from its first SELECT to COMMIT. One at a time, since the connection is shared.
 */
function readTransaction(reader: SqliteExecutor, snapshots: Mutex): SnapshotScope {
  return (read) =>
    snapshots.run(async () => {
      reader.run('BEGIN');
      try {
        return await read(reader, '');
      } finally {
        reader.run('COMMIT');
      }
    });
}
