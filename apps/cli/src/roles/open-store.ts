import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Store } from '@vexil/store';
import { openPostgresStore, type PostgresTls } from '@vexil/store/postgres';
import { openSqliteStore } from '@vexil/store/sqlite';
import { CliError, oneLine, usageError } from '../cli-error.js';
import type { Raw } from '../server/config-checks.js';
import { readCertificateKeyPair, readCertificates } from '../server/tls-files.js';

export type StoreLocation =
  | { kind: 'postgres'; url: string; schema?: string; tls?: PostgresTls }
  | { kind: 'sqlite'; path: string };

/**
 * `postgres://...` (or `postgresql://`) or `sqlite:<path>`. `caRaw` (--store-ca) is the CA of
 * PostgreSQL's certificate, as `sslrootcert` in the URL is.
 */
export function storeLocation(
  raw: Raw | undefined,
  cwd: string,
  fallback: string,
  caRaw?: Raw,
): StoreLocation {
  const value = raw?.value ?? fallback;
  if (/^postgres(ql)?:\/\//.test(value)) {
    // `?schema=<name>` selects a PostgreSQL schema (several deployments in one database).
    const url = new URL(value);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    const tls = postgresTls(url, raw?.source ?? 'the store', caRaw);
    return {
      kind: 'postgres',
      url: url.toString(),
      ...(schema === null ? {} : { schema }),
      ...(tls === undefined ? {} : { tls }),
    };
  }
  if (caRaw !== undefined) throw usageError(`${caRaw.source} is for a postgres:// store`);
  if (value.startsWith('sqlite:'))
    return { kind: 'sqlite', path: resolve(cwd, value.slice('sqlite:'.length)) };
  throw usageError(
    `${raw?.source ?? 'the store'} must be postgres://user@host:port/db or sqlite:<path> (got "${value}")`,
  );
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * TLS from the URL's libpq parameters (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, taken out
 * of `url`) and --store-ca, with libpq's meanings; the files are read now. A CA or client
 * certificate without `sslmode` means verify-full; `sslrootcert=system` means Node's CAs.
 */
function postgresTls(url: URL, source: string, caRaw: Raw | undefined): PostgresTls | undefined {
  const param = (name: string): Raw | undefined => {
    const value = url.searchParams.get(name);
    url.searchParams.delete(name);
    return value === null ? undefined : { value, source: `${name} in ${source}` };
  };
  const mode = param('sslmode');
  const rootCert = param('sslrootcert');
  const pair = readCertificateKeyPair(
    param('sslcert'),
    param('sslkey'),
    'the client certificate to PostgreSQL',
  );
  if (mode !== undefined && !SSL_MODES.includes(mode.value))
    throw usageError(
      `${mode.source} must be disable, require, verify-ca or verify-full (got "${mode.value}")`,
    );
  if (mode?.value === 'allow' || mode?.value === 'prefer')
    throw usageError(
      `${mode.source}: sslmode=${mode.value} would fall back to an unencrypted connection, which the driver cannot do; choose disable, require, verify-ca or verify-full`,
    );
  if (rootCert !== undefined && caRaw !== undefined)
    throw usageError(`give PostgreSQL's CA once: ${caRaw.source} or ${rootCert.source}`);
  const caSource = caRaw ?? (rootCert?.value === 'system' ? undefined : rootCert);
  const ca = caSource === undefined ? undefined : readCertificates(caSource, "PostgreSQL's CA");
  if (mode?.value === 'disable') {
    const given = caSource ?? (pair === undefined ? undefined : { source: 'sslcert' });
    if (given !== undefined)
      throw usageError(`${given.source} is for TLS, but ${mode.source} is disable`);
    return undefined;
  }
  if (mode === undefined && ca === undefined && pair === undefined && rootCert === undefined)
    return undefined;
  const tlsMode = (mode?.value ?? 'verify-full') as PostgresTls['mode'];
  if (tlsMode === 'verify-ca' && ca === undefined)
    throw usageError(
      `${mode!.source}: verify-ca needs the CA that signed PostgreSQL's certificate: --store-ca <file> (or sslrootcert in the URL)`,
    );
  return {
    mode: tlsMode,
    ...(ca === undefined ? {} : { ca }),
    ...(pair === undefined ? {} : { cert: pair.cert, key: pair.key }),
  };
}

export async function openStore(location: StoreLocation): Promise<Store> {
  try {
    if (location.kind === 'postgres') {
      return await openPostgresStore({
        url: location.url,
        ...(location.schema === undefined ? {} : { schema: location.schema }),
        ...(location.tls === undefined ? {} : { tls: location.tls }),
      });
    }
    await mkdir(dirname(location.path), { recursive: true, mode: 0o700 });
    return await openSqliteStore({ path: location.path });
  } catch (e) {
    const where = location.kind === 'postgres' ? new URL(location.url).host : location.path;
    throw new CliError(
      'STARTUP',
      `cannot open the ${location.kind} store at ${where}: ${oneLine(withoutNodeAdvice((e as Error).message))}${tlsHint(e)}`,
    );
  }
}

/** Node's advice on an untrusted certificate is about the system's CAs, not this option. */
function withoutNodeAdvice(message: string): string {
  return message.replace(
    /; if the root CA is installed locally, try running Node\.js with --use-system-ca/,
    '',
  );
}

/** What to change when PostgreSQL's TLS is the reason the store did not open. */
function tlsHint(e: unknown): string {
  const message = (e as Error).message ?? '';
  if (/does not support SSL/i.test(message))
    return ' (the server has ssl off: drop sslmode, or turn ssl on in postgresql.conf)';
  if (/certificate|self.signed/i.test(message))
    return " (PostgreSQL's certificate is not trusted: give the CA that signed it with --store-ca or sslrootcert, or check the host name it names)";
  if (/pg_hba\.conf.*no encryption/i.test(message))
    return ' (the server accepts only TLS connections: add sslmode=verify-full and its CA)';
  return '';
}
