import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Store } from '@vexil/store';
import { openPostgresStore } from '@vexil/store/postgres';
import { openSqliteStore } from '@vexil/store/sqlite';
import { CliError, oneLine, usageError } from '../cli-error.js';
import type { Raw } from '../start/start-config.js';

export type StoreLocation =
  { kind: 'postgres'; url: string; schema?: string } | { kind: 'sqlite'; path: string };

/** `postgres://...` (or `postgresql://`) or `sqlite:<path>`. */
export function storeLocation(raw: Raw | undefined, cwd: string, fallback: string): StoreLocation {
  const value = raw?.value ?? fallback;
  if (/^postgres(ql)?:\/\//.test(value)) {
    // `?schema=<name>` selects a PostgreSQL schema (several deployments in one database).
    const url = new URL(value);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    return schema === null
      ? { kind: 'postgres', url: url.toString() }
      : { kind: 'postgres', url: url.toString(), schema };
  }
  if (value.startsWith('sqlite:'))
    return { kind: 'sqlite', path: resolve(cwd, value.slice('sqlite:'.length)) };
  throw usageError(
    `${raw?.source ?? 'the store'} must be postgres://user@host:port/db or sqlite:<path> (got "${value}")`,
  );
}

export async function openStore(location: StoreLocation): Promise<Store> {
  try {
    if (location.kind === 'postgres') {
      return await openPostgresStore(
        location.schema === undefined
          ? { url: location.url }
          : { url: location.url, schema: location.schema },
      );
    }
    await mkdir(dirname(location.path), { recursive: true, mode: 0o700 });
    return await openSqliteStore({ path: location.path });
  } catch (e) {
    const where = location.kind === 'postgres' ? new URL(location.url).host : location.path;
    throw new CliError(
      'STARTUP',
      `cannot open the ${location.kind} store at ${where}: ${oneLine((e as Error).message)}`,
    );
  }
}
