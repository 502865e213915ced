import { readFile, writeFile } from 'node:fs/promises';
import { ensureAdminToken, newApiToken } from '@vexil/origin';
import type { Store } from '@vexil/store';
import { CliError } from '../cli-error.js';
import type { StartConfig } from './start-config.js';

export interface AdminToken {
  readonly token: string;
  /** env: VEXIL_ADMIN_TOKEN; file: kept from an earlier start; generated: new in this start. */
  readonly source: 'env' | 'file' | 'generated';
}

/**
 * Makes sure an admin token exists so that the user can call the API at once: the one from
 * VEXIL_ADMIN_TOKEN, else the one kept in the data directory, else a new one, which is written
 * (mode 0600) before it is stored so that a crash in between cannot lose it.
 */
export async function resolveAdminToken(store: Store, config: StartConfig): Promise<AdminToken> {
  if (config.adminToken !== undefined) {
    await ensureAdminToken(store, config.adminToken, 'admin (VEXIL_ADMIN_TOKEN)');
    return { token: config.adminToken, source: 'env' };
  }
  const kept = await readTokenFile(config.adminTokenFile);
  if (kept !== undefined) {
    await ensureAdminToken(store, kept, 'admin');
    return { token: kept, source: 'file' };
  }
  const token = newApiToken();
  try {
    await writeFile(config.adminTokenFile, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    throw new CliError(
      'STARTUP',
      `cannot write the admin token to ${config.adminTokenFile}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  await ensureAdminToken(store, token, 'admin');
  return { token, source: 'generated' };
}

async function readTokenFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(
      'STARTUP',
      `cannot read the admin token from ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new CliError(
      'STARTUP',
      `${file} does not hold one admin token; delete it to have a new one generated`,
    );
  }
  return token;
}
