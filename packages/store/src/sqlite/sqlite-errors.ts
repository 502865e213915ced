import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

/** Result codes meaning "the database cannot serve now" rather than "this request is wrong". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

/** Maps better-sqlite3 errors to StoreError codes; anything else is returned unchanged. */
export function mapSqliteError(error: unknown): unknown {
  if (error instanceof Database.SqliteError) {
    if (UNAVAILABLE.test(error.code)) {
      return new StoreError('UNAVAILABLE', `SQLite: ${error.message}`, { cause: error });
    }
    if (
      error.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    ) {
      return new StoreError('ALREADY_EXISTS', `SQLite: ${error.message}`, { cause: error });
    }
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return new StoreError('NOT_FOUND', `SQLite: a referenced row is missing`, { cause: error });
    }
  }
  // better-sqlite3 throws TypeErrors for a missing directory and for a closed connection.
  if (error instanceof TypeError && /Cannot open database/.test(error.message)) {
    return new StoreError('UNAVAILABLE', `SQLite: ${error.message}`, { cause: error });
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new StoreError('UNAVAILABLE', 'the SQLite store is closed', { cause: error });
  }
  return error;
}
