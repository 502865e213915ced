import type pg from 'pg';
import { mapPgError } from './pg-errors.js';
import { PgExecutor } from './pg-executor.js';

/**
 * Runs `body` in one transaction on a client of its own, opened with `begin`. The client is
 * destroyed rather than returned to the pool when its connection may be in an unknown state.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  begin: string,
  body: (exec: PgExecutor) => Promise<T>,
): Promise<T> {
  const client = await connect(pool);
  const exec = new PgExecutor(client);
  let broken: Error | undefined;
  try {
    await exec.query(begin);
    const result = await body(exec);
    await commit(client);
    return result;
  } catch (error) {
    broken = await rollback(client);
    throw error;
  } finally {
    client.release(broken);
  }
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw mapPgError(error);
  }
}

async function commit(client: pg.PoolClient): Promise<void> {
  let result: pg.QueryResult;
  try {
    result = await client.query('COMMIT');
  } catch (error) {
    throw mapPgError(error);
  }
  // COMMIT of a transaction that a failed statement aborted answers ROLLBACK, not an error:
  // that happens when `work` caught a StoreError thrown by a failed statement and went on.
  if (result.command === 'ROLLBACK') {
    throw new Error(
      'nothing was committed: a statement failed inside the transaction (its error was caught), so PostgreSQL rolled it back',
    );
  }
}

/** Returns the error to destroy the client with, if the connection could not roll back. */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
