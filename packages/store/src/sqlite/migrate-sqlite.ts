import { pendingMigrations } from '../sql/migrations.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type { SqliteExecutor } from './sqlite-executor.js';

/**
 * Brings the file's schema up to date, all in one BEGIN IMMEDIATE transaction: a second
 * process opening the same file at the same time waits, then finds nothing left to do.
 */
export async function migrateSqlite(exec: SqliteExecutor, now: () => number): Promise<void> {
  exec.run('BEGIN IMMEDIATE');
  try {
    exec.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const rows = await exec.query('SELECT version FROM schema_migrations');
    const applied = rows.map((row) => Number(row.version));
    for (const migration of pendingMigrations(applied, SQLITE_MIGRATIONS)) {
      for (const statement of migration.statements) exec.run(statement);
      await exec.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        migration.version,
        now(),
      ]);
    }
    exec.run('COMMIT');
  } catch (error) {
    if (exec.db.inTransaction) exec.run('ROLLBACK');
    throw error;
  }
}
