import { isDeepStrictEqual } from 'node:util';
import { checkFlag, checkSegment } from '@vexil/evaluation';
import {
  clientSideAvailability,
  parseSdkData,
  type Flag,
  type JsonObject,
  type Segment,
} from '@vexil/protocol';
import type {
  EnvironmentRecord,
  FlagRecord,
  FlagTargeting,
  SegmentRecord,
  StoreTransaction,
} from '@vexil/store';
import { commitFlag, commitSegment, sameItem } from '../domain/commit.js';
import { defaultTargeting, flagRepresentation, sdkFlag } from '../domain/flag-model.js';
import { sdkSegment, segmentRepresentation } from '../domain/segment-model.js';
import { validationFailed, type ErrorDetail } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import {
  lockEnvironments,
  lockFlags,
  read,
  requireEnvironment,
  write,
  type ApiDeps,
} from './deps.js';
import { isValidKey, ref } from './schemas.js';

// Import and export in LaunchDarkly's SDK data format: the migration path from LaunchDarkly.
// Import replaces the environment's flags and segments with exactly the imported ones. It is as
// tolerant as an SDK receiving a `put`: semantically broken items are accepted (they evaluate to
// MALFORMED_FLAG, as in LaunchDarkly) and reported as warnings.

const IMPORT_LIMIT = 64 * 1024 * 1024;

/**
 * Imported flags and segments need keys the API could create and edit: the same rule as POST,
 * checked on the body's own keys (so `__proto__` is refused, not dropped).
 */
function assertImportKeys(body: unknown): void {
  const bad: ErrorDetail[] = [];
  for (const kind of ['flags', 'segments'] as const) {
    const items = (body as Record<string, unknown> | null)?.[kind];
    if (typeof items !== 'object' || items === null) continue;
    for (const key of Object.keys(items)) {
      if (!isValidKey(key))
        bad.push({
          path: `${kind}.${key.slice(0, 64)}`,
          message:
            'is not a valid key: letters, digits, ".", "_" or "-", starting with a letter or digit, at most 256 characters',
        });
    }
  }
  if (bad.length > 0) throw validationFailed(bad);
}

function targetingFrom(flag: Flag): FlagTargeting {
  const targeting: FlagTargeting = {
    on: flag.on,
    fallthrough: flag.fallthrough ?? {},
    prerequisites: flag.prerequisites ?? [],
    targets: flag.targets ?? [],
    contextTargets: flag.contextTargets ?? [],
    rules: flag.rules ?? [],
    salt: flag.salt ?? '',
    clientSideAvailability: clientSideAvailability(flag),
    trackEvents: flag.trackEvents ?? false,
    trackEventsFallthrough: flag.trackEventsFallthrough ?? false,
    version: flag.version,
  };
  if (flag.offVariation !== undefined) targeting.offVariation = flag.offVariation;
  if (flag.debugEventsUntilDate !== undefined)
    targeting.debugEventsUntilDate = flag.debugEventsUntilDate;
  return targeting;
}

/** The flag record after importing `flag` into `env`. */
function importedFlag(
  existing: FlagRecord | undefined,
  flag: Flag,
  env: EnvironmentRecord,
  allEnvs: readonly EnvironmentRecord[],
  now: number,
): FlagRecord {
  const sameValues =
    existing !== undefined &&
    existing.variations.length === flag.variations.length &&
    existing.variations.every(
      (v, i) => JSON.stringify(v.value) === JSON.stringify(flag.variations[i]),
    );
  const record: FlagRecord =
    existing === undefined
      ? {
          projectKey: env.projectKey,
          key: flag.key,
          name: flag.key,
          description: '',
          tags: [],
          variations: [],
          temporary: false,
          archived: false,
          environments: {},
          version: 0,
          createdAt: now,
          updatedAt: now,
        }
      : structuredClone(existing);
  if (!sameValues) record.variations = flag.variations.map((value) => ({ value }));
  if (existing === undefined) {
    for (const other of allEnvs)
      record.environments[other.key] = defaultTargeting(flag.variations.length);
  }
  record.environments[env.key] = targetingFrom(flag);
  return record;
}

function importedSegment(
  segment: Segment,
  env: EnvironmentRecord,
  existing: SegmentRecord | undefined,
  now: number,
): SegmentRecord {
  const record: SegmentRecord = {
    projectKey: env.projectKey,
    environmentKey: env.key,
    key: segment.key,
    name: existing?.name ?? segment.key,
    description: existing?.description ?? '',
    tags: existing?.tags ?? [],
    included: segment.included ?? [],
    excluded: segment.excluded ?? [],
    includedContexts: segment.includedContexts ?? [],
    excludedContexts: segment.excludedContexts ?? [],
    rules: segment.rules ?? [],
    salt: segment.salt ?? '',
    unbounded: segment.unbounded ?? false,
    version: segment.version,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (segment.unboundedContextKind !== undefined)
    record.unboundedContextKind = segment.unboundedContextKind;
  if (segment.generation !== undefined) record.generation = segment.generation;
  return record;
}

/** Whether importing changes nothing: then nothing is written, and no version moves. */
function sameFlagIn(existing: FlagRecord, record: FlagRecord, envKey: string): boolean {
  const a = existing.environments[envKey];
  const b = record.environments[envKey];
  return (
    a !== undefined &&
    b !== undefined &&
    isDeepStrictEqual(existing.variations, record.variations) &&
    sameItem(sdkFlag(existing, a, 0), sdkFlag(record, b, 0))
  );
}

interface ImportOutcome {
  /** Changes appended to the environment's log. */
  readonly changes: number;
  /** Imported flags that stay unserved because they are archived. */
  readonly archived: readonly string[];
}

async function importData(
  tx: StoreTransaction,
  env: EnvironmentRecord,
  flags: Flag[],
  segments: Segment[],
  meta: { actor: string; now: number },
  changed: Set<string>,
  schemas: SchemaRegistry,
): Promise<ImportOutcome> {
  const allEnvs = await tx.listEnvironments(env.projectKey);
  const before = env.seq;
  const commitMeta = (version: number) => ({
    ...meta,
    action: 'data.import',
    skipAudit: true,
    versionFloor: { [env.key]: version },
  });
  const imported = new Set(flags.map((f) => f.key));
  const archived: string[] = [];
  // Every flag of the project is either imported or removed from this environment: lock them
  // all up front, in key order, so that concurrent PATCHes wait instead of being overwritten.
  // Environments first, then flags: the order of every write that locks both.
  await lockEnvironments(tx, env.projectKey);
  const current = new Map((await lockFlags(tx, env.projectKey)).map((f) => [f.key, f]));
  for (const flag of flags) {
    const existing = current.get(flag.key);
    if (existing?.archived === true) archived.push(flag.key);
    const record = importedFlag(existing, flag, env, allEnvs, meta.now);
    // Stored only as the editing routes can take it back: PATCH holds every flag to this
    // schema, so a flag that failed it (no variations, a weight over 100%) could not be edited.
    const envKeys = allEnvs.map((e) => e.key);
    schemas.check(ref('Flag'), flagRepresentation(record, envKeys), `flags.${flag.key}`);
    if (existing !== undefined && sameFlagIn(existing, record, env.key)) continue;
    const result = await commitFlag(tx, env.projectKey, existing, record, commitMeta(flag.version));
    result.environmentIds.forEach((id) => changed.add(id));
  }
  for (const existing of current.values()) {
    if (imported.has(existing.key) || existing.environments[env.key] === undefined) continue;
    const record = structuredClone(existing);
    delete record.environments[env.key];
    (await commitFlag(tx, env.projectKey, existing, record, commitMeta(0))).environmentIds.forEach(
      (id) => changed.add(id),
    );
  }
  const importedSegments = new Set(segments.map((s) => s.key));
  for (const segment of segments) {
    const existing = await tx.getSegmentForUpdate(env.projectKey, env.key, segment.key);
    const record = importedSegment(segment, env, existing, meta.now);
    schemas.check(ref('Segment'), segmentRepresentation(record), `segments.${segment.key}`);
    if (existing !== undefined && sameItem(sdkSegment(existing, 0), sdkSegment(record, 0)))
      continue;
    await commitSegment(tx, env, existing, record, commitMeta(segment.version));
    changed.add(env.id);
  }
  for (const existing of await tx.listSegments(env.projectKey, env.key)) {
    if (importedSegments.has(existing.key)) continue;
    await commitSegment(tx, env, existing, undefined, commitMeta(0));
    changed.add(env.id);
  }
  const after = (await tx.getEnvironment(env.projectKey, env.key))?.seq ?? before;
  return { changes: after - before, archived };
}

const DATA = '/api/v1/projects/{projectKey}/environments/{environmentKey}/data';

export function dataRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: DATA,
      summary: "Export the environment's flags and segments in LaunchDarkly's SDK data format",
      tag: 'data',
      role: 'reader',
      responses: {
        200: { description: '{"flags": {...}, "segments": {...}}', schema: ref('SdkData') },
      },
      handle: (ctx) => exportData(deps, ctx),
    }),
    defineRoute({
      method: 'PUT',
      path: DATA,
      summary: "Replace the environment's flags and segments with LaunchDarkly SDK data (import)",
      tag: 'data',
      role: 'writer',
      body: { schema: ref('SdkData'), limit: IMPORT_LIMIT },
      responses: {
        200: {
          description: 'imported; warnings list items that will evaluate to MALFORMED_FLAG',
          schema: ref('ImportResult'),
        },
        400: { description: 'structurally invalid data', schema: ref('Error') },
      },
      handle: (ctx) => putData(deps, schemas, ctx),
    }),
  ];
}

async function exportData(
  deps: ApiDeps,
  { params: { projectKey, environmentKey } }: RouteContext<typeof DATA>,
): Promise<Reply> {
  const snapshot = await read(async () => {
    const env = await requireEnvironment(deps.store, projectKey, environmentKey);
    return deps.store.getSnapshot(env.id);
  });
  const flags: JsonObject = {};
  const segments: JsonObject = {};
  for (const entry of snapshot?.items ?? []) {
    // Payload filters are project settings, not SDK data.
    if (entry.kind === 'filter' || (entry.item as { deleted?: boolean }).deleted) continue;
    (entry.kind === 'flag' ? flags : segments)[entry.key] = entry.item;
  }
  return {
    body: { flags, segments },
    headers: { 'x-vexil-seq': String(snapshot?.seq ?? 0) },
  };
}

async function putData(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, environmentKey }, body, actor }: RouteContext<typeof DATA>,
): Promise<Reply> {
  const { flags, segments } = parsedImport(body);
  const warnings = importWarnings(flags, segments);
  const outcome = await write(deps, async (tx, changed) => {
    const env = await requireEnvironment(tx, projectKey, environmentKey);
    const now = deps.now();
    const result = await importData(
      tx,
      env,
      flags,
      segments,
      { actor: actor.name, now },
      changed,
      schemas,
    );
    await tx.appendAudit({
      at: now,
      actor: actor.name,
      action: 'data.import',
      projectKey: env.projectKey,
      environmentKey: env.key,
      resourceKind: 'data',
      resourceKey: env.key,
      before: null,
      after: {
        flags: flags.map((f) => f.key),
        segments: segments.map((s) => s.key),
        warnings: warnings.length,
      },
    });
    return result;
  });
  for (const key of outcome.archived) {
    warnings.push({
      path: `flags.${key}`,
      message: `flag "${key}" is archived in this project: its targeting was imported, but it is not served until you restore it (PATCH /archived to false)`,
    });
  }
  return {
    body: {
      flags: flags.length,
      segments: segments.length,
      changes: outcome.changes,
      warnings,
    },
  };
}

/** The flags and segments of an import body, deleted ones left out; 400 if it is not SDK data. */
function parsedImport(body: unknown): { flags: Flag[]; segments: Segment[] } {
  assertImportKeys(body);
  const parsed = parseSdkData(body);
  if (!parsed.ok)
    throw validationFailed([
      {
        path: parsed.error.path,
        message: parsed.error.message.replace(`${parsed.error.path}: `, ''),
      },
    ]);
  return {
    flags: Object.values(parsed.value.flags).filter((f) => f.deleted !== true),
    segments: Object.values(parsed.value.segments).filter((s) => s.deleted !== true),
  };
}

/** What an SDK would find wrong with the imported items: they import, and evaluate as broken. */
function importWarnings(flags: readonly Flag[], segments: readonly Segment[]): ErrorDetail[] {
  return [
    ...flags.flatMap((f) =>
      checkFlag(f).map((i) => ({ path: `flags.${f.key}.${i.path}`, message: i.message })),
    ),
    ...segments.flatMap((s) =>
      checkSegment(s).map((i) => ({
        path: `segments.${s.key}.${i.path}`,
        message: i.message,
      })),
    ),
  ];
}
