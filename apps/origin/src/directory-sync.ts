import type { ChangeBus } from '@vexil/bus';
import {
  credentialEntryKey,
  environmentEntryKey,
  SYNCED_ENTRY_KEY,
  type CredentialEntry,
  type EnvironmentDescriptor,
  type EnvironmentEntry,
  type Logger,
  type SecureModeKey,
} from '@vexil/protocol';
import type {
  DirectoryMark,
  DirectorySubject,
  EnvironmentRecord,
  Store,
  TokenRecord,
} from '@vexil/store';
import { sha256Hex } from './domain/secrets.js';
import { startBusLane } from './bus-lane.js';
import { eachLimited } from './each-limited.js';

// Keeps the bus's directory (one entry per credential and per environment, docs/protocol.md
// section 5.2) in step with the store. Every write to an environment or token leaves a mark in
// its own transaction; this loop re-reads each marked environment or token, writes its entries,
// and deletes the marks it handled, so a crash between commit and publish loses nothing. A bus
// whose directory lacks the `synced` entry (new, or its storage lost) is filled from the whole
// store first. Each subject succeeds or fails on its own, and none of it waits on the change
// log's publication, or the other way round.

export interface DirectorySyncOptions {
  readonly store: Store;
  readonly bus: ChangeBus;
  readonly logger: Logger;
  readonly now: () => number;
  /** How often marks left by other origins (or a missed kick) are looked for. Default 5 s. */
  readonly sweepIntervalMs?: number;
  readonly retryDelayMs?: number;
}

export interface DirectorySync {
  /** Something was marked: sync now. */
  changed(): void;
  /** Resolves when nothing marked so far is left (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Marks read per round; the subjects of one round are synced side by side. */
const BATCH = 500;
/** Each environment's sync holds a store connection (its row lock): leave the API some. */
const CONCURRENCY = 8;

function descriptor(env: EnvironmentRecord): EnvironmentDescriptor {
  return { id: env.id, projectKey: env.projectKey, key: env.key, name: env.name };
}

/** The environment's credentials that still open it, by hash (expired rotated keys left out). */
export function credentialEntries(
  env: EnvironmentRecord,
  now: number,
): Map<string, CredentialEntry> {
  const environment = descriptor(env);
  const entries = new Map<string, CredentialEntry>();
  entries.set(sha256Hex(env.sdkKey), { type: 'credential', kind: 'sdk', environment });
  entries.set(sha256Hex(env.mobileKey), { type: 'credential', kind: 'mobile', environment });
  for (const [kind, expiring] of [
    ['sdk', env.expiringSdkKey],
    ['mobile', env.expiringMobileKey],
  ] as const) {
    if (expiring === undefined || expiring.expiresAt <= now) continue;
    entries.set(sha256Hex(expiring.key), {
      type: 'credential',
      kind,
      environment,
      expiresAt: expiring.expiresAt,
    });
  }
  return entries;
}

/**
 * The keys an edge verifies secure-mode hashes with, only while the environment is in secure
 * mode: the SDK key, and the rotated-out one until its expiry (server SDKs that still hold it
 * compute hashes with it). Mobile keys sign nothing: secure mode is for browsers.
 */
export function secureModeKeys(env: EnvironmentRecord, now: number): SecureModeKey[] | undefined {
  if (!env.secureMode) return undefined;
  const keys: SecureModeKey[] = [{ key: env.sdkKey }];
  const old = env.expiringSdkKey;
  if (old !== undefined && old.expiresAt > now) keys.push({ ...old });
  return keys;
}

/** The environment's entry: its descriptor, its credentials' hashes, its secure-mode keys. */
export function environmentEntry(
  env: EnvironmentRecord,
  credentials: readonly string[],
  now: number,
): EnvironmentEntry {
  const keys = secureModeKeys(env, now);
  return {
    type: 'environment',
    environment: descriptor(env),
    credentials: [...credentials],
    ...(keys === undefined ? {} : { secureModeKeys: keys }),
  };
}

/**
 * Rewrites an environment's entries from the store. Its row stays locked meanwhile, so a write to
 * it (a rotation, a delete) and another origin's sync of it wait: entries are never written from
 * a state older than one already synced, which could bring back a key that was replaced.
 */
function syncEnvironment(o: DirectorySyncOptions, id: string): Promise<void> {
  const { bus } = o;
  const key = environmentEntryKey(id);
  return o.store.transaction(async (tx) => {
    const [env, current] = await Promise.all([
      tx.getEnvironmentByIdForUpdate(id),
      bus.getDirectoryEntry(key),
    ]);
    const before = current.entry?.type === 'environment' ? current.entry.credentials : [];
    const now = o.now();
    const entries = env === undefined ? new Map() : credentialEntries(env, now);
    // New credentials first, the environment next, old ones last: a key never stops working
    // for a moment while it is being replaced.
    await Promise.all(
      [...entries].map(([hash, entry]) => bus.putDirectoryEntry(credentialEntryKey(hash), entry)),
    );
    if (env !== undefined)
      await bus.putDirectoryEntry(key, environmentEntry(env, [...entries.keys()], now));
    else if (current.entry !== undefined) await bus.deleteDirectoryEntry(key);
    await Promise.all(
      before
        .filter((hash) => !entries.has(hash))
        .map((hash) => bus.deleteDirectoryEntry(credentialEntryKey(hash))),
    );
  });
}

const isLiveEdgeToken = (token: TokenRecord | undefined) =>
  token?.role === 'edge' && token.revokedAt === undefined;

/**
 * Writes or deletes an edge token's entry, then reads the token again: if it was revoked (or
 * restored) meanwhile, an older state may have been written last, so it goes round again.
 */
async function syncToken(o: DirectorySyncOptions, hash: string): Promise<void> {
  const key = credentialEntryKey(hash);
  let live = isLiveEdgeToken(await o.store.getTokenByHash(hash));
  for (let attempt = 0; attempt < 5; attempt++) {
    if (live) await o.bus.putDirectoryEntry(key, { type: 'credential', kind: 'edge' });
    else if ((await o.bus.getDirectoryEntry(key)).entry !== undefined)
      await o.bus.deleteDirectoryEntry(key);
    const now = isLiveEdgeToken(await o.store.getTokenByHash(hash));
    if (now === live) return;
    live = now;
  }
  throw new Error(`the token ${hash.slice(0, 8)}… kept changing while its entry was written`);
}

function syncSubject(o: DirectorySyncOptions, subject: DirectorySubject): Promise<void> {
  return subject.kind === 'environment'
    ? syncEnvironment(o, subject.id)
    : syncToken(o, subject.hash);
}

const subjectId = (s: DirectorySubject) => (s.kind === 'environment' ? `e:${s.id}` : `t:${s.hash}`);

export function startDirectorySync(o: DirectorySyncOptions): DirectorySync {
  const { store, bus, logger } = o;
  let pending = true;
  let checkSynced = true;
  let closed = false;

  /** Fills an empty directory from the whole store, then marks it synced. */
  async function fillIfEmpty(): Promise<void> {
    if ((await bus.getDirectoryEntry(SYNCED_ENTRY_KEY)).entry !== undefined) return;
    const [environments, tokens] = await Promise.all([
      store.listEnvironments(),
      store.listTokens(),
    ]);
    const subjects: DirectorySubject[] = [
      ...environments.map((env) => ({ kind: 'environment' as const, id: env.id })),
      ...tokens.map((token) => ({ kind: 'token' as const, hash: token.hash })),
    ];
    await eachLimited(subjects, CONCURRENCY, (subject) => syncSubject(o, subject));
    await bus.putDirectoryEntry(SYNCED_ENTRY_KEY, { type: 'synced', at: o.now() });
    // Every start of `vexil start` (its bus lives in memory); news on a bus that keeps its data.
    logger[bus.kind === 'inprocess' ? 'debug' : 'info'](
      { environments: environments.length },
      'filled the bus directory from the store',
    );
  }

  /** One round of marks; true when there may be more. Failed subjects keep their marks. */
  async function round(): Promise<boolean> {
    const marks = await store.listDirectoryMarks(BATCH);
    const bySubject = new Map<string, DirectoryMark[]>();
    for (const mark of marks) {
      const id = subjectId(mark.subject);
      const group = bySubject.get(id);
      if (group === undefined) bySubject.set(id, [mark]);
      else group.push(mark);
    }
    const done: number[] = [];
    let firstError: unknown;
    await eachLimited([...bySubject.values()], CONCURRENCY, async (group) => {
      try {
        await syncSubject(o, group[0]!.subject);
        done.push(...group.map((m) => m.id));
      } catch (err) {
        firstError ??= err;
      }
    });
    await store.deleteDirectoryMarks(done);
    if (firstError !== undefined) throw firstError;
    return marks.length === BATCH;
  }

  async function drain(): Promise<void> {
    while (pending && !closed) {
      pending = false;
      if (checkSynced) {
        checkSynced = false;
        await fillIfEmpty().catch((err: unknown) => {
          checkSynced = true;
          throw err;
        });
      }
      if (await round()) pending = true;
    }
  }

  const lane = startBusLane({
    drain,
    pending: () => pending,
    connected: () => bus.connected,
    failed(err, retryInMs) {
      pending = true;
      logger.warn({ err, retryInMs }, 'syncing the bus directory failed; will retry');
    },
    sweep() {
      pending = true;
      checkSynced = true;
    },
    sweepIntervalMs: o.sweepIntervalMs ?? 5_000,
    retryDelayMs: o.retryDelayMs ?? 200,
  });

  return {
    changed() {
      pending = true;
      lane.wake();
    },
    idle: () => lane.idle(),
    async close() {
      closed = true;
      await lane.close();
    },
  };
}
