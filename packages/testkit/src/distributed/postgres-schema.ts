import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';
import { services } from '../services.js';

/** A fresh schema name for one test file or benchmark run (created by the store on open). */
export function freshSchemaName(prefix = 'vexil_sys'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** The store URL that selects `schema` in the test database. */
export function postgresStoreUrl(schema: string): string {
  const url = new URL(services.postgres);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new RangeError(`bad schema name "${schema}"`);
  const url = new URL(services.postgres);
  // Like psql, connect as the OS user when the URL names none.
  if (url.username === '' && !pg.defaults.user) url.username = userInfo().username;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
