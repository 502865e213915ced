import { createHash } from 'node:crypto';
import {
  credentialEntryKey,
  environmentEntryKey,
  type DirectoryEntry,
  type DirectoryRecord,
  type EnvironmentDescriptor,
} from '@vexil/protocol';
import { EnvironmentState } from './environment-state.js';

// The edge's view of the directory (docs/protocol.md section 5.2): a cache of the entries its
// clients' credentials named, looked up from the upstream on first use and kept current by the
// upstream's watch of every later put and delete, so nothing here grows with the deployment,
// only with what this edge serves. It also holds the state of each environment in use.

export type CredentialKind = 'sdk' | 'mobile' | 'client-side-id';

export interface Credential {
  readonly environment: EnvironmentDescriptor;
  readonly kind: CredentialKind;
  /** What identifies this credential in revocations: the key hash, or the environment id. */
  readonly id: string;
  /** The directory key that authorized it: `c.<hash>`, or `e.<id>` for a client-side ID. */
  readonly directoryKey: string;
  /** That directory entry's revision as this edge had it (docs/cdn.md section 4's floors). */
  readonly revision: number;
  /** A rotated-out key's end of grace (Unix ms), after which it no longer resolves. */
  readonly expiresAt?: number;
  /**
   * A client-side ID of an environment in secure mode: the keys that verify the `h` of its
   * requests, expired ones left out (docs/protocol.md section 4.4).
   */
  readonly secureModeKeys?: readonly VerificationKey[];
}

/** A secure-mode key with the hash that names it in revocations (its SDK key credential's). */
export interface VerificationKey {
  readonly key: string;
  readonly hash: string;
  /** A rotated-out key's end of grace (Unix ms). */
  readonly expiresAt?: number;
}

/**
 * Looks a directory key up at the upstream (the bus, a primary process, another edge); an
 * upstream that caches is to read afresh what it holds below `minRevision`.
 */
export type DirectoryLookup = (key: string, minRevision: number) => Promise<DirectoryRecord>;

/** Too many lookups are in flight (a flood of unknown credentials): refuse, don't queue. */
export class LookupsExhausted extends Error {}

export interface RegistryOptions {
  readonly historySize: number;
  readonly now: () => number;
  /** Directory entries kept, found or not found (each bounded on its own). */
  readonly cacheSize?: number;
  /** Lookups in flight at once; beyond it resolution throws LookupsExhausted. */
  readonly maxLookups?: number;
  /** Told of each lookup sent upstream, when it is answered or fails (metrics). */
  readonly onLookup?: (result: 'found' | 'not_found' | 'failed') => void;
}

const HASH_CACHE_SIZE = 10_000;
const CLIENT_SIDE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A Map used as a bounded LRU: a hit moves the key to the end, inserts drop the oldest. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
  clear(): void {
    this.map.clear();
  }
}

/**
 * Whether an environment entry put secure mode on (or may have: the edge did not hold the
 * previous one). Its client-side streams opened without a hash are then to close; those opened
 * with one are named by their key's hash, and close when that key goes or expires.
 */
function securedNow(before: DirectoryEntry | undefined, after: DirectoryEntry): boolean {
  if (after.type !== 'environment' || after.secureModeKeys === undefined) return false;
  return before?.type !== 'environment' || before.secureModeKeys === undefined;
}

export class Registry {
  /** Set once the upstream's watch is live: lookups from then on are kept current. */
  private lookup: DirectoryLookup | undefined;
  private readonly found: Lru<DirectoryRecord>;
  /** Keys that named nothing, so a repeated unknown credential costs no lookup. */
  private readonly missing: Lru<DirectoryRecord>;
  private readonly inFlight = new Map<string, Promise<DirectoryRecord>>();
  private readonly maxLookups: number;
  /** Credentials with an expiry not yet reported, soonest last (popped by the clock tick). */
  private expiring: { hash: string; expiresAt: number }[] = [];
  private readonly states = new Map<string, EnvironmentState>();
  private readonly descriptors = new Map<string, EnvironmentDescriptor>();
  private readonly lastUsed = new Map<string, number>();
  /** sha256(key) for recently seen keys: hashing is per request otherwise. */
  private readonly hashes = new Map<string, string>();

  constructor(private readonly options: RegistryOptions) {
    const size = options.cacheSize ?? 100_000;
    this.found = new Lru(size);
    this.missing = new Lru(Math.max(1, Math.floor(size / 4)));
    this.maxLookups = options.maxLookups ?? 1_024;
  }

  /** Whether credentials can be resolved (the upstream's directory watch is live). */
  get ready(): boolean {
    return this.lookup !== undefined;
  }

  /**
   * The upstream's directory watch is live (again): entries cached before may have changed
   * unheard, so they are looked up afresh; returns what to revoke among those (see `apply`).
   */
  async connect(lookup: DirectoryLookup): Promise<string[]> {
    const before = this.found.keys();
    this.lookup = lookup;
    this.missing.clear();
    const revoked: string[] = [];
    // A few at a time: a relay edge that reconnects may hold many, and it shares its upstream.
    const recheck = async () => {
      for (let key = before.pop(); key !== undefined; key = before.pop()) {
        const record = await lookup(key, 0).catch(() => undefined);
        if (record !== undefined) revoked.push(...this.apply(record));
      }
    };
    await Promise.all(Array.from({ length: 16 }, recheck));
    return revoked;
  }

  /**
   * A directory key changed: keeps the entry current if it is cached or being looked up (the
   * rest of the deployment's changes are not kept). Returns the credential ids to revoke, whose
   * streams are to close: the hash of a credential that went, the id of an environment that did
   * or that went into secure mode.
   */
  apply(record: DirectoryRecord): string[] {
    const cached = this.cached(record.key);
    const newer = cached === undefined || record.revision > cached.revision;
    if (cached === undefined ? this.inFlight.has(record.key) : newer) this.remember(record);
    if (record.entry === undefined) return /^[ce]\./.test(record.key) ? [record.key.slice(2)] : [];
    return newer && securedNow(cached?.entry, record.entry) ? [record.key.slice(2)] : [];
  }

  /**
   * Resolves an SDK key or mobile key, honouring expiry of rotated keys. `minRevision`: see
   * `record`.
   */
  async resolveKey(
    key: string,
    kind: 'sdk' | 'mobile',
    minRevision = 0,
  ): Promise<Credential | undefined> {
    const hash = this.hash(key);
    const directoryKey = credentialEntryKey(hash);
    const { entry, revision } = await this.record(directoryKey, minRevision);
    if (entry?.type !== 'credential' || entry.kind !== kind || entry.environment === undefined)
      return undefined;
    if (entry.expiresAt !== undefined) {
      if (entry.expiresAt <= this.options.now()) return undefined;
      this.expireAt(hash, entry.expiresAt);
    }
    this.descriptors.set(entry.environment.id, entry.environment);
    const credential = { environment: entry.environment, kind, id: hash, directoryKey, revision };
    const { expiresAt } = entry;
    return expiresAt === undefined ? credential : { ...credential, expiresAt };
  }

  async resolveClientSideId(id: string, minRevision = 0): Promise<Credential | undefined> {
    if (!CLIENT_SIDE_ID.test(id)) return undefined;
    const directoryKey = environmentEntryKey(id);
    const { entry, revision } = await this.record(directoryKey, minRevision);
    if (entry?.type !== 'environment') return undefined;
    this.descriptors.set(id, entry.environment);
    const credential = {
      environment: entry.environment,
      kind: 'client-side-id' as const,
      id,
      directoryKey,
      revision,
    };
    if (entry.secureModeKeys === undefined) return credential;
    const now = this.options.now();
    const keys: VerificationKey[] = [];
    for (const { key, expiresAt } of entry.secureModeKeys) {
      if (expiresAt !== undefined && expiresAt <= now) continue;
      const hash = this.hash(key);
      // Streams verified with a rotated-out key close when it expires, as its SDK streams do.
      if (expiresAt !== undefined) this.expireAt(hash, expiresAt);
      keys.push(expiresAt === undefined ? { key, hash } : { key, hash, expiresAt });
    }
    return { ...credential, secureModeKeys: keys };
  }

  /** The hash of an API token of the `edge` role, or undefined for any other token. */
  async resolveEdgeToken(token: string): Promise<string | undefined> {
    const hash = this.hash(token);
    const entry = (await this.record(credentialEntryKey(hash))).entry;
    return entry?.type === 'credential' && entry.kind === 'edge' ? hash : undefined;
  }

  /**
   * A key's record, from the cache or (once per key at a time) from the upstream. A caller that
   * knows of a revision newer than the cached one (`minRevision`: a CDN's purge floor, docs/cdn.md
   * section 4) has it looked up afresh: the watch has not brought that revision here yet.
   */
  record(key: string, minRevision = 0): Promise<DirectoryRecord> {
    const cached = this.cached(key);
    if (cached !== undefined && cached.revision >= minRevision) return Promise.resolve(cached);
    const lookup = this.lookup;
    if (lookup === undefined) return Promise.reject(new Error('the directory is not ready'));
    let pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    if (this.inFlight.size >= this.maxLookups)
      return Promise.reject(new LookupsExhausted('too many credential lookups in flight'));
    const told = this.options.onLookup;
    pending = lookup(key, minRevision)
      .then((record) => {
        told?.(record.entry === undefined ? 'not_found' : 'found');
        // A watch update may have overtaken the answer: the higher revision wins.
        const current = this.cached(key);
        if (current !== undefined && current.revision >= record.revision) return current;
        this.remember(record);
        return record;
      })
      .catch((err: unknown) => {
        told?.('failed');
        throw err;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, pending);
    return pending;
  }

  /**
   * Credential ids whose expiry has passed since the last call (the edge's clock tick calls it
   * every second): each once, and nothing to scan while none is due.
   */
  expiredCredentials(): string[] {
    const now = this.options.now();
    const out: string[] = [];
    while (this.expiring.length > 0 && this.expiring[this.expiring.length - 1]!.expiresAt <= now)
      out.push(this.expiring.pop()!.hash);
    return out;
  }

  environment(id: string): EnvironmentDescriptor | undefined {
    return this.descriptors.get(id);
  }

  state(id: string): EnvironmentState | undefined {
    return this.states.get(id);
  }

  /** The state of an environment, created (not yet ready) on first use. */
  stateFor(id: string): EnvironmentState {
    let state = this.states.get(id);
    if (state === undefined) {
      state = new EnvironmentState(id, { historySize: this.options.historySize });
      this.states.set(id, state);
    }
    return state;
  }

  allStates(): IterableIterator<EnvironmentState> {
    return this.states.values();
  }

  /** A client used the environment now (a request or a new stream). */
  touch(id: string): void {
    this.lastUsed.set(id, this.options.now());
  }

  /** Environments held but unused since `before` (Unix ms). */
  unusedSince(before: number): string[] {
    const out: string[] = [];
    for (const id of this.states.keys()) if ((this.lastUsed.get(id) ?? 0) < before) out.push(id);
    return out;
  }

  /** Environments held and used at or after `since` (Unix ms). */
  usedSince(since: number): string[] {
    const out: string[] = [];
    for (const [id, at] of this.lastUsed) if (at >= since && this.states.has(id)) out.push(id);
    return out;
  }

  /** Forgets an environment's state (evicted, or deleted). */
  evict(id: string): void {
    this.states.delete(id);
    this.descriptors.delete(id);
    this.lastUsed.delete(id);
  }

  private cached(key: string): DirectoryRecord | undefined {
    return this.found.get(key) ?? this.missing.get(key);
  }

  private remember(record: DirectoryRecord): void {
    if (record.entry === undefined) {
      this.found.delete(record.key);
      this.missing.set(record.key, record);
    } else {
      this.missing.delete(record.key);
      this.found.set(record.key, record);
    }
  }

  private expireAt(hash: string, expiresAt: number): void {
    if (this.expiring.some((e) => e.hash === hash)) return;
    this.expiring.push({ hash, expiresAt });
    this.expiring.sort((a, b) => b.expiresAt - a.expiresAt);
  }

  private hash(key: string): string {
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = createHash('sha256').update(key, 'utf8').digest('hex');
      if (this.hashes.size >= HASH_CACHE_SIZE) this.hashes.clear();
      this.hashes.set(key, hash);
    }
    return hash;
  }
}
