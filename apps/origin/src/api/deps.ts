import type { IncomingMessage } from 'node:http';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  StoreError,
  type EnvironmentRecord,
  type FlagRecord,
  type ProjectRecord,
  type Store,
  type StoreReader,
  type StoreTransaction,
} from '@vexil/store';
import { ApiError, notFound } from '../http/api-error.js';
import { headerValue } from '../http/api-handler.js';
import { commentingTransaction } from '../http/audit-comment.js';

/** What the route handlers need; assembled once by createOrigin. */
export interface ApiDeps {
  readonly store: Store;
  readonly now: () => number;
  /** Called after a committed transaction appended changes to these environments. */
  readonly committed: (environmentIds: readonly string[]) => void;
  /** Called after environments, their keys or edge tokens changed (the edges' directory). */
  readonly directoryChanged: () => void;
  /** Called after every committed write transaction (the change feed reads the audit log then). */
  readonly wrote?: () => void;
}

/**
 * Runs a write transaction, maps store failures to API errors, and reports the environments
 * that received changes once the transaction has committed.
 */
export async function write<T>(
  deps: ApiDeps,
  work: (tx: StoreTransaction, changed: Set<string>) => Promise<T>,
): Promise<T> {
  let changed = new Set<string>();
  return tracer.startActiveSpan('store.commit', async (span) => {
    try {
      const result = await deps.store.transaction(async (tx) => {
        changed = new Set<string>();
        // Every audit entry the request writes carries its X-Vexil-Comment (http/audit-comment.ts).
        return work(commentingTransaction(tx), changed);
      });
      span.setAttribute('vexil.environments_changed', changed.size);
      if (changed.size > 0) deps.committed([...changed]);
      deps.wrote?.();
      return result;
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw storeToApiError(e);
    } finally {
      span.end();
    }
  });
}

const tracer = trace.getTracer('vexil-origin');

export async function read<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw storeToApiError(e);
  }
}

function storeToApiError(e: unknown): unknown {
  if (!(e instanceof StoreError)) return e;
  switch (e.code) {
    case 'ALREADY_EXISTS':
      // A unique index that caught a concurrent create speaks SQL; say it plainly instead.
      return new ApiError(
        'CONFLICT',
        /^(PostgreSQL|SQLite):/.test(e.message)
          ? 'that key already exists (a concurrent request just created it); choose another key, or GET the existing item'
          : e.message,
      );
    case 'VERSION_CONFLICT':
      return new ApiError(
        'CONFLICT',
        `another write to the same item committed first; retry the request (${e.message})`,
      );
    case 'NOT_FOUND':
      return new ApiError('NOT_FOUND', e.message);
    case 'UNAVAILABLE':
      return new ApiError(
        'UNAVAILABLE',
        `the database is unavailable, retry shortly (${e.message})`,
      );
    default:
      return e;
  }
}

export async function requireProject(
  reader: StoreReader,
  projectKey: string,
): Promise<ProjectRecord> {
  const project = await reader.getProject(projectKey);
  if (project === undefined) throw notFound(`project "${projectKey}"`);
  return project;
}

export async function requireEnvironment(
  reader: StoreReader,
  projectKey: string,
  environmentKey: string,
): Promise<EnvironmentRecord> {
  const env = await reader.getEnvironment(projectKey, environmentKey);
  if (env === undefined) {
    await requireProject(reader, projectKey);
    throw notFound(`environment "${environmentKey}" in project "${projectKey}"`);
  }
  return env;
}

/** `requireEnvironment`, with the environment's row locked until the transaction ends. */
export async function requireEnvironmentForUpdate(
  tx: StoreTransaction,
  projectKey: string,
  environmentKey: string,
): Promise<EnvironmentRecord> {
  return (
    (await tx.getEnvironmentForUpdate(projectKey, environmentKey)) ??
    (await requireEnvironment(tx, projectKey, environmentKey))
  );
}

/**
 * Locks the project's environments, in key order. A create has no row of its own to lock yet:
 * holding these makes a concurrent create of the same key wait, then see it (PostgreSQL runs
 * transactions side by side; the memory and SQLite stores already run them one at a time).
 */
export async function lockEnvironments(tx: StoreTransaction, projectKey: string): Promise<void> {
  await tx.listEnvironmentsForUpdate(projectKey);
}

/**
 * The project's flags, read and locked in key order. For writes that rewrite many flags (an
 * environment created or deleted, an import): a copy from listFlags could be stale by the time it
 * is written back, and would undo a concurrent PATCH.
 */
export function lockFlags(tx: StoreTransaction, projectKey: string): Promise<FlagRecord[]> {
  return tx.listFlagsForUpdate(projectKey);
}

/** `If-Match: "3"` (or 3, or W/"3"): the version the writer last read, if it sent one. */
export function ifMatchVersion(req: IncomingMessage): number | undefined {
  const header = headerValue(req, 'if-match');
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (m === null) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `If-Match must be the version you read, such as "3" (got ${JSON.stringify(header)})`,
    );
  }
  return Number(m[1]);
}

/** How errors name a versioned record: `flag "beta"`, looked for in `project "web"`. */
export interface RecordName {
  /** Names the record in the 404 and the 409, e.g. `flag "beta"`. */
  readonly what: string;
  /** Where the 404 says it was looked for, e.g. `project "web"`. */
  readonly in?: string;
}

/**
 * The first step of a conditional write: the record as `load` reads it inside the transaction
 * (locked, with a getXForUpdate), 404 if it is missing, 409 if `expected` (the If-Match version)
 * is another version than the stored one.
 */
export async function loadForWrite<T extends { readonly version: number }>(
  load: Promise<T | undefined>,
  name: RecordName,
  expected: number | undefined,
): Promise<T> {
  const record = await load;
  if (record === undefined)
    throw notFound(name.in === undefined ? name.what : `${name.what} in ${name.in}`);
  checkVersion(name.what, record.version, expected);
  return record;
}

function checkVersion(what: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new ApiError(
      'VERSION_MISMATCH',
      `${what} is at version ${current} but If-Match says ${expected}: someone changed it since you read it; GET it again and reapply your change`,
    );
  }
}

export const etag = (version: number) => ({ etag: `"${version}"` });
