import { createHash } from 'node:crypto';
import type { CredentialHash, Directory, EnvironmentDescriptor } from '@vexil/protocol';
import { EnvironmentState } from './environment-state.js';

// The edge's view of the directory: which environments exist, which credential opens which,
// and the state of each environment the edge serves.

export type CredentialKind = CredentialHash['kind'] | 'client-side-id';

export interface Credential {
  readonly environment: EnvironmentDescriptor;
  readonly kind: CredentialKind;
  /** What identifies this credential in `revoked` notifications: the key hash, or the env id. */
  readonly id: string;
}

const HASH_CACHE_SIZE = 10_000;

export class Registry {
  directory: Directory | undefined;
  private byHash = new Map<
    string,
    { environment: EnvironmentDescriptor; credential: CredentialHash }
  >();
  private byId = new Map<string, EnvironmentDescriptor>();
  /** Credentials with an expiry not yet reported, soonest last (popped by the clock tick). */
  private expiring: { hash: string; expiresAt: number }[] = [];
  private readonly states = new Map<string, EnvironmentState>();
  /** sha256(key) for recently seen keys: hashing is per request otherwise. */
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly historySize: number,
    private readonly now: () => number,
  ) {}

  /**
   * Applies a directory; returns the credential ids that no longer open anything (key hashes,
   * client-side IDs, edge token hashes), whose streams are to be closed.
   */
  applyDirectory(directory: Directory): string[] {
    if (this.directory !== undefined && directory.generatedAt < this.directory.generatedAt)
      return [];
    const before = new Set([
      ...this.byHash.keys(),
      ...this.byId.keys(),
      ...(this.directory?.edgeTokens ?? []),
    ]);
    this.directory = directory;
    this.byHash = new Map();
    this.byId = new Map();
    this.expiring = [];
    for (const environment of directory.environments) {
      this.byId.set(environment.id, environment);
      for (const credential of environment.credentials) {
        this.byHash.set(credential.hash, { environment, credential });
        if (credential.expiresAt !== undefined)
          this.expiring.push({ hash: credential.hash, expiresAt: credential.expiresAt });
      }
    }
    this.expiring.sort((a, b) => b.expiresAt - a.expiresAt);
    for (const id of this.states.keys()) if (!this.byId.has(id)) this.states.delete(id);
    const edgeTokens = new Set(directory.edgeTokens);
    return [...before].filter(
      (id) => !this.byHash.has(id) && !this.byId.has(id) && !edgeTokens.has(id),
    );
  }

  /** Resolves an SDK key or mobile key, honouring expiry of rotated keys. */
  resolveKey(key: string, kind: 'sdk' | 'mobile'): Credential | undefined {
    const hash = this.hash(key);
    const entry = this.byHash.get(hash);
    if (entry === undefined || entry.credential.kind !== kind) return undefined;
    if (entry.credential.expiresAt !== undefined && entry.credential.expiresAt <= this.now())
      return undefined;
    return { environment: entry.environment, kind, id: hash };
  }

  resolveClientSideId(id: string): Credential | undefined {
    const environment = this.byId.get(id);
    return environment === undefined ? undefined : { environment, kind: 'client-side-id', id };
  }

  /**
   * Credential ids whose expiry has passed since the last call (the edge's clock tick calls it
   * every second): each once, and nothing to scan while none is due.
   */
  expiredCredentials(): string[] {
    const now = this.now();
    const out: string[] = [];
    while (this.expiring.length > 0 && this.expiring[this.expiring.length - 1]!.expiresAt <= now)
      out.push(this.expiring.pop()!.hash);
    return out;
  }

  environment(id: string): EnvironmentDescriptor | undefined {
    return this.byId.get(id);
  }

  state(id: string): EnvironmentState | undefined {
    return this.states.get(id);
  }

  /** The state of a directory environment, created (not yet ready) on first use. */
  stateFor(id: string): EnvironmentState {
    let state = this.states.get(id);
    if (state === undefined) {
      state = new EnvironmentState(id, { historySize: this.historySize });
      this.states.set(id, state);
    }
    return state;
  }

  allStates(): IterableIterator<EnvironmentState> {
    return this.states.values();
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
