import { userInfo } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';

/**
 * TLS to PostgreSQL, with libpq's meaning of `sslmode` (pg alone treats require and verify-ca
 * as verify-full): `require` encrypts without checking the certificate, unless a CA is given,
 * which makes it `verify-ca`; `verify-ca` checks the chain against the CA; `verify-full` checks
 * the chain and that the certificate names the host. PEM text; without `ca`, Node's CAs.
 */
export interface PostgresTls {
  readonly mode: 'require' | 'verify-ca' | 'verify-full';
  readonly ca?: string;
  /** A client certificate and its key, for `clientcert=verify-full` in pg_hba.conf. */
  readonly cert?: string;
  readonly key?: string;
}

export interface PoolSettings {
  url: string;
  tls?: PostgresTls;
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
    connectionString: withDefaultUser(
      settings.tls === undefined ? settings.url : withoutSslParams(settings.url),
    ),
    ...(settings.tls === undefined ? {} : { ssl: pgSsl(settings.tls) }),
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

/** node:tls options for `tls`, as pg passes them to tls.connect. */
export function pgSsl(tls: PostgresTls): ConnectionOptions {
  const verify =
    tls.mode === 'verify-full'
      ? {}
      : tls.mode === 'verify-ca' || tls.ca !== undefined
        ? { checkServerIdentity: () => undefined }
        : { rejectUnauthorized: false };
  return {
    ...verify,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}

/** pg reads these from the URL on every connection, over the `ssl` option it was given. */
const SSL_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

function withoutSslParams(url: string): string {
  try {
    const parsed = new URL(url);
    for (const param of SSL_PARAMS) parsed.searchParams.delete(param);
    return parsed.toString();
  } catch {
    return url;
  }
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
