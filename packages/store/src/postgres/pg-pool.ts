import { userInfo } from 'node:os';
import pg from 'pg';

export interface PoolSettings {
  url: string;
  /** Already validated as a plain lowercase identifier. */
  schema: string;
  poolSize: number;
  connectTimeoutMs: number;
}

const INT8_OID = 20;
const JSON_OIDS = new Set([114, 3802]);

/**
 * Rows as the shared SQL code expects them from both drivers: BIGINT as a number (ms times,
 * seqs and versions stay far below 2^53) and JSON columns as their text, parsed by rows.ts.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return Number;
    if (JSON_OIDS.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(settings.url),
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // Every connection resolves unqualified table names in the store's schema only.
    options: `-c search_path=${settings.schema}`,
    types,
  });
  // The server closing an idle connection emits 'error' on the pool, and an unhandled 'error'
  // event would end the process. The next query reports the outage as UNAVAILABLE instead.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * libpq (psql) connects as the OS user when the URL names none; pg falls back to $USER, which
 * some containers leave unset. Fill that gap the libpq way so the same URL works in both.
 */
export function withDefaultUser(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || pg.defaults.user) return url;
    parsed.username = encodeURIComponent(userInfo().username);
    return parsed.toString();
  } catch {
    // Not a URL (e.g. a bare socket path): pg parses it on its own terms.
    return url;
  }
}
