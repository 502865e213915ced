import { isDeepStrictEqual } from 'node:util';
import { context, propagation } from '@opentelemetry/api';
import type { JsonObject } from '@vexil/protocol';
import type {
  EnvironmentRecord,
  FilterRecord,
  FlagRecord,
  SegmentRecord,
  StoreTransaction,
} from '@vexil/store';
import { filterIncludes, filterRepresentation, resolveFilter, sdkFilter } from './filter-model.js';
import { flagRepresentation, sdkFlag, tombstone } from './flag-model.js';
import { segmentRepresentation, sdkSegment } from './segment-model.js';

// Writing a flag or segment: the record, one change-log entry per environment whose SDK item
// actually changed (with the next version of that item), and the audit entry, all in the
// caller's transaction (docs/protocol.md section 5: commit = row + change-log entry).

/** The active span's W3C traceparent, carried on the change to the edges (when tracing is on). */
function currentTrace(): { trace?: string } {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? {} : { trace: carrier.traceparent };
}

export interface CommitMeta {
  readonly actor: string;
  readonly action: string;
  readonly now: number;
  readonly comment?: string;
  /** Lowest version to publish, per environment key (imports keep their versions). */
  readonly versionFloor?: Readonly<Record<string, number>>;
  /** Skip the audit entry (a bulk operation records one entry of its own). */
  readonly skipAudit?: boolean;
}

export interface CommitResult {
  /** Environments that received a change. */
  readonly environmentIds: string[];
}

async function publishItem(
  tx: StoreTransaction,
  env: EnvironmentRecord,
  kind: 'flag' | 'segment' | 'filter',
  key: string,
  before: JsonObject | undefined,
  build: ((version: number) => JsonObject) | undefined,
  options: { force?: boolean; floor?: number } = {},
): Promise<number | undefined> {
  // Compared as values, not as text: PostgreSQL's JSONB returns stored objects with their keys
  // reordered, and a reordering is no change an SDK could see.
  if (options.force !== true && sameItem(before, build?.(0))) return undefined;
  // An imported item keeps its own version when that is higher: an SDK may have seen it.
  const version = Math.max((await tx.getItemVersion(env.id, kind, key)) + 1, options.floor ?? 0);
  const item = build === undefined ? tombstone(key, version) : build(version);
  await tx.appendChange(env.id, { kind, key, version, item, ...currentTrace() });
  return version;
}

/** Whether two SDK items (version aside; undefined = not served) serve the same thing. */
export function sameItem(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return isDeepStrictEqual({ ...a, version: 0 }, { ...b, version: 0 });
}

/** Commits `after` (undefined = deleted) over `before` (undefined = new) for every environment. */
export async function commitFlag(
  tx: StoreTransaction,
  projectKey: string,
  before: FlagRecord | undefined,
  after: FlagRecord | undefined,
  meta: CommitMeta,
): Promise<CommitResult> {
  const environments = await tx.listEnvironments(projectKey);
  const environmentIds: string[] = [];
  const key = (after ?? before)!.key;
  for (const env of environments) {
    const served = (r: FlagRecord | undefined) =>
      r === undefined || r.archived || r.environments[env.key] === undefined ? undefined : r;
    const old = served(before);
    const next = served(after);
    const oldItem = old === undefined ? undefined : sdkFlag(old, old.environments[env.key]!, 0);
    const build =
      next === undefined ? undefined : (v: number) => sdkFlag(next, next.environments[env.key]!, v);
    const floor = meta.versionFloor?.[env.key];
    const version = await publishItem(
      tx,
      env,
      'flag',
      key,
      oldItem,
      build,
      floor === undefined ? {} : { floor },
    );
    if (version === undefined) continue;
    environmentIds.push(env.id);
    const targeting = after?.environments[env.key];
    if (targeting !== undefined) targeting.version = version;
  }
  const envKeys = environments.map((e) => e.key);
  if (after === undefined) {
    await tx.deleteFlag(projectKey, key);
  } else {
    after.version = (before?.version ?? 0) + 1;
    after.updatedAt = meta.now;
    // A new flag is inserted (not upserted), so two concurrent creates of one key cannot both win.
    await (before === undefined ? tx.createFlag(after) : tx.putFlag(after));
  }
  for (const id of await syncFilters(tx, projectKey, environments, before, after))
    if (!environmentIds.includes(id)) environmentIds.push(id);
  if (meta.skipAudit === true) return { environmentIds };
  await tx.appendAudit({
    at: meta.now,
    actor: meta.actor,
    action: meta.action,
    projectKey,
    // A change that reached one environment is filed under it, so the audit log filtered by
    // environment shows it; a change to several (variations, create, delete) stays project-wide.
    ...(environmentIds.length === 1
      ? { environmentKey: environments.find((e) => e.id === environmentIds[0])!.key }
      : {}),
    resourceKind: 'flag',
    resourceKey: key,
    before: before === undefined ? null : flagRepresentation(before, envKeys),
    after: after === undefined ? null : flagRepresentation(after, envKeys),
    ...(meta.comment === undefined ? {} : { comment: meta.comment }),
  });
  return { environmentIds };
}

/** Commits a segment of one environment (undefined `after` = deleted). */
export async function commitSegment(
  tx: StoreTransaction,
  env: EnvironmentRecord,
  before: SegmentRecord | undefined,
  after: SegmentRecord | undefined,
  meta: CommitMeta,
): Promise<CommitResult> {
  const key = (after ?? before)!.key;
  const oldItem = before === undefined ? undefined : sdkSegment(before, 0);
  const build = after === undefined ? undefined : (v: number) => sdkSegment(after, v);
  // Every segment write gets a new version, even one that changes only its name: the version
  // is also what If-Match compares.
  const floor = meta.versionFloor?.[env.key];
  const version = (await publishItem(
    tx,
    env,
    'segment',
    key,
    oldItem,
    build,
    floor === undefined ? { force: true } : { force: true, floor },
  ))!;
  if (after === undefined) {
    await tx.deleteSegment(env.projectKey, env.key, key);
  } else {
    after.version = version;
    after.updatedAt = meta.now;
    await tx.putSegment(after);
  }
  if (meta.skipAudit === true) return { environmentIds: [env.id] };
  await tx.appendAudit({
    at: meta.now,
    actor: meta.actor,
    action: meta.action,
    projectKey: env.projectKey,
    environmentKey: env.key,
    resourceKind: 'segment',
    resourceKey: key,
    before: before === undefined ? null : segmentRepresentation(before),
    after: after === undefined ? null : segmentRepresentation(after),
    ...(meta.comment === undefined ? {} : { comment: meta.comment }),
  });
  return { environmentIds: [env.id] };
}

/**
 * Whether a flag write can move the flag into or out of a payload filter: a create, a delete,
 * an archive or restore, or a change of tags. A targeting change (most writes) cannot.
 */
function mayMoveInFilters(before: FlagRecord | undefined, after: FlagRecord | undefined): boolean {
  return (
    before === undefined ||
    after === undefined ||
    before.archived !== after.archived ||
    !isDeepStrictEqual(before.tags, after.tags)
  );
}

/**
 * Republishes the project's payload filters that the flag write moved the flag into or out of
 * (the caller holds every environment's lock: see commitFilter).
 */
async function syncFilters(
  tx: StoreTransaction,
  projectKey: string,
  environments: readonly EnvironmentRecord[],
  before: FlagRecord | undefined,
  after: FlagRecord | undefined,
): Promise<string[]> {
  if (!mayMoveInFilters(before, after)) return [];
  const moved = (await tx.listFilters(projectKey)).filter(
    (f) => filterIncludes(f, before) !== filterIncludes(f, after),
  );
  if (moved.length === 0) return [];
  const flags = await tx.listFlags(projectKey);
  const changed = new Set<string>();
  for (const filter of moved) {
    const served = resolveFilter(filter, flags);
    for (const env of environments) {
      await publishItem(
        tx,
        env,
        'filter',
        filter.key,
        undefined,
        (v) => sdkFilter(filter.key, served, v),
        { force: true },
      );
      changed.add(env.id);
    }
  }
  return [...changed];
}

/** Commits a payload filter (undefined `after` = deleted) to every environment of its project. */
export async function commitFilter(
  tx: StoreTransaction,
  projectKey: string,
  before: FilterRecord | undefined,
  after: FilterRecord | undefined,
  meta: CommitMeta,
): Promise<CommitResult> {
  const key = (after ?? before)!.key;
  // Every environment, locked (in key order) before the flags and filters are read, so two
  // writes that resolve filters side by side cannot each resolve from the other's old data. A
  // flag write that can move a flag in or out of a filter (create, delete, import, a PATCH of
  // tags or `archived`) takes the same locks in its route, before the flag rows: every write
  // that locks both keeps that order (environments, then flags).
  const environments = await tx.listEnvironmentsForUpdate(projectKey);
  const flags = await tx.listFlags(projectKey);
  const oldItem = before && sdkFilter(key, resolveFilter(before, flags), 0);
  const served = after && resolveFilter(after, flags);
  const build = served === undefined ? undefined : (v: number) => sdkFilter(key, served, v);
  const environmentIds: string[] = [];
  for (const env of environments) {
    const version = await publishItem(tx, env, 'filter', key, oldItem, build);
    if (version !== undefined) environmentIds.push(env.id);
  }
  if (after === undefined) {
    await tx.deleteFilter(projectKey, key);
  } else {
    after.version = (before?.version ?? 0) + 1;
    after.updatedAt = meta.now;
    await (before === undefined ? tx.createFilter(after) : tx.putFilter(after));
  }
  await tx.appendAudit({
    at: meta.now,
    actor: meta.actor,
    action: meta.action,
    projectKey,
    resourceKind: 'filter',
    resourceKey: key,
    before: before === undefined ? null : filterRepresentation(before, flags),
    after: after === undefined ? null : filterRepresentation(after, flags),
    ...(meta.comment === undefined ? {} : { comment: meta.comment }),
  });
  return { environmentIds };
}

/** A new environment serves every payload filter of its project from its first changes. */
export async function seedFilters(tx: StoreTransaction, env: EnvironmentRecord): Promise<void> {
  const filters = await tx.listFilters(env.projectKey);
  if (filters.length === 0) return;
  const flags = await tx.listFlags(env.projectKey);
  for (const filter of filters)
    await publishItem(tx, env, 'filter', filter.key, undefined, (v) =>
      sdkFilter(filter.key, resolveFilter(filter, flags), v),
    );
}
