import type pg from 'pg';
import { pendingMigrations } from '../sql/migrations.js';
import { inTransaction } from './pg-client.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/**
 * Creates the schema if missing and brings it up to date, in one transaction under an
 * advisory lock: a second process opening the same schema waits, then finds nothing to do.
 * `schema` is a validated plain identifier, so it can be spliced into DDL.
 */
export function migratePostgres(pool: pg.Pool, schema: string, now: () => number): Promise<void> {
  return inTransaction(pool, 'BEGIN', async (exec) => {
    await exec.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vexil-store:${schema}`]);
    // Checked first because CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege.
    const found = await exec.query('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    if (found.length === 0) await exec.query(`CREATE SCHEMA ${schema}`);
    await exec.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version INTEGER PRIMARY KEY,
      applied_at BIGINT NOT NULL
    )`);
    const rows = await exec.query(`SELECT version FROM ${schema}.schema_migrations`);
    const applied = rows.map((row) => Number(row.version));
    for (const migration of pendingMigrations(applied, POSTGRES_MIGRATIONS)) {
      for (const statement of migration.statements) await exec.query(statement);
      await exec.query(
        `INSERT INTO ${schema}.schema_migrations (version, applied_at) VALUES ($1, $2)`,
        [migration.version, now()],
      );
    }
  });
}
