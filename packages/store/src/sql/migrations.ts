import { StoreError } from '../errors.js';

/** One schema version: statements applied in order, in one transaction, recorded once. */
export interface Migration {
  version: number;
  statements: readonly string[];
}

/**
 * The migrations still to apply, given the versions the database records. A database that
 * records a version this code does not know was written by a newer program: refuse it rather
 * than run on a schema we cannot read correctly.
 */
export function pendingMigrations(
  applied: readonly number[],
  known: readonly Migration[],
): Migration[] {
  const newest = Math.max(0, ...known.map((m) => m.version));
  const unknown = applied.filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new StoreError(
      'SCHEMA_TOO_NEW',
      `the database has schema version ${Math.max(...unknown)} but this program knows up to ${newest}; upgrade the program`,
    );
  }
  const done = new Set(applied);
  return known.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
}
