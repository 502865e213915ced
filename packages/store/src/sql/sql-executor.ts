/** A parameter as both drivers bind it. JSON documents are passed as text. */
export type SqlParam = string | number | null;

/** A result row: TEXT as string, BIGINT as number, JSON columns as their JSON text. */
export type SqlRow = Record<string, unknown>;

/**
 * What the shared SQL code needs from a driver: run one statement with `$1`-style placeholders
 * and return its rows (empty for statements without RETURNING). Errors come back already
 * mapped to StoreError where a code applies.
 */
export interface SqlExecutor {
  query(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
}

/**
 * Row-lock clauses appended to single-table SELECTs. PostgreSQL needs them; SQLite has none
 * because a SQLite write transaction (BEGIN IMMEDIATE) already excludes every other writer.
 */
export interface SqlLocks {
  forUpdate: string;
  forShare: string;
}

/**
 * Runs reads that must see one consistent state (an environment's snapshot). `lock` is the
 * clause that makes a row read inside a read-committed transaction hold still until commit.
 */
export type SnapshotScope = <T>(
  read: (exec: SqlExecutor, lock: string) => Promise<T>,
) => Promise<T>;
