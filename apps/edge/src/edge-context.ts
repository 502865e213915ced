import type { DirectoryRecord, Logger } from '@vexil/protocol';
import type { EdgeOptions } from './config.js';
import { CredentialError, header, unavailable } from './http/respond.js';
import type { StreamRoute, WithHeaders } from './http/routes.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { EdgeMetrics } from './metrics/edge-metrics.js';
import type { EnvironmentState, StateEvent } from './state/environment-state.js';
import { LookupsExhausted, type Credential, type Registry } from './state/registry.js';
import type { StreamHub } from './stream/stream-hub.js';

/** Longer keys are refused before hashing: no SDK or mobile key is anywhere near it. */
const MAX_KEY_LENGTH = 256;

/** A seq or revision a request asks for: digits that stay exact in a double. */
const MINIMUM = /^\d{1,15}$/;

/**
 * The state a request asks for at least (docs/cdn.md section 3): `X-Vexil-Min-Seq` of its
 * environment and `X-Vexil-Min-Revision` of its credential's directory entry, which a CDN sends
 * when it refetches an answer that was below its purge floor. 0 (no minimum) when absent or
 * malformed: a bad value must not make a request fail that would succeed without it.
 */
export function minimums(req: WithHeaders): { readonly seq: number; readonly revision: number } {
  const read = (name: string) => {
    const value = header(req, name);
    return value !== undefined && MINIMUM.test(value) ? Number(value) : 0;
  };
  return { seq: read('x-vexil-min-seq'), revision: read('x-vexil-min-revision') };
}

/** What every protocol module gets: state, streams, authentication, admission control. */
export class EdgeContext {
  private inFlight = 0;
  private readonly stateListeners = new Set<(state: EnvironmentState, event: StateEvent) => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly directoryListeners = new Set<(record: DirectoryRecord) => void>();
  draining = false;

  constructor(
    readonly registry: Registry,
    readonly hub: StreamHub,
    readonly options: EdgeOptions,
    readonly logger: Logger,
    readonly now: () => number,
    readonly want: (environmentId: string) => void,
    readonly metrics?: EdgeMetrics,
    readonly limiter?: RateLimiter,
  ) {}

  /** Protocol modules fan out from here: called for every snapshot and change of any environment. */
  onStateEvent(listener: (state: EnvironmentState, event: StateEvent) => void): void {
    this.stateListeners.add(listener);
  }

  emit(state: EnvironmentState, event: StateEvent): void {
    this.metrics?.beginFanout(event);
    for (const listener of this.stateListeners) listener(state, event);
    this.metrics?.endFanout();
    const waiters = this.waiters.get(state.id);
    this.waiters.delete(state.id);
    for (const wake of waiters ?? []) wake();
  }

  /** Directory updates, for the relay feed to pass on. */
  onDirectory(listener: (record: DirectoryRecord) => void): void {
    this.directoryListeners.add(listener);
  }

  emitDirectory(record: DirectoryRecord): void {
    for (const listener of this.directoryListeners) listener(record);
  }

  /** An API token of the `edge` role in `Authorization: Bearer <token>` (relay edges). */
  async authenticateEdge(req: WithHeaders): Promise<string> {
    const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header(req, 'authorization') ?? '');
    if (m === null)
      throw new CredentialError(
        'UNAUTHORIZED',
        'send an edge token as "Authorization: Bearer <token>"',
      );
    const hash = await this.resolve(() => this.registry.resolveEdgeToken(m[1]!));
    if (hash === undefined)
      throw new CredentialError('UNAUTHORIZED', 'unknown or revoked edge token');
    return hash;
  }

  /** The SDK key or mobile key in `Authorization` (bare, `api_key <key>` or `Bearer <key>`). */
  authenticate(req: WithHeaders, kind: 'sdk' | 'mobile'): Promise<Credential> {
    const raw = header(req, 'authorization')?.trim() ?? '';
    return this.authenticateKey(raw.replace(/^(api_key|bearer)\s+/i, ''), kind, req);
  }

  /**
   * An SDK key or mobile key sent some other way (a query parameter, `X-API-Key`); `req`, when
   * given, may ask for a newer directory entry than the cached one (`minimums`).
   */
  async authenticateKey(
    key: string,
    kind: 'sdk' | 'mobile',
    req?: WithHeaders,
  ): Promise<Credential> {
    const what = kind === 'sdk' ? 'SDK key' : 'mobile key';
    if (key === '' || key.length > MAX_KEY_LENGTH || /\s/.test(key)) {
      throw new CredentialError('UNAUTHORIZED', `send the ${what} as "Authorization: <key>"`);
    }
    const minRevision = req === undefined ? 0 : minimums(req).revision;
    const credential = await this.resolve(() => this.registry.resolveKey(key, kind, minRevision));
    if (credential === undefined)
      throw new CredentialError('UNAUTHORIZED', `unknown or revoked ${what}`);
    return credential;
  }

  /** A client-side ID (in the path); `req` as for `authenticateKey`. */
  async clientSideId(id: string, req?: WithHeaders): Promise<Credential> {
    const minRevision = req === undefined ? 0 : minimums(req).revision;
    const credential = await this.resolve(() => this.registry.resolveClientSideId(id, minRevision));
    if (credential === undefined)
      throw new CredentialError('NOT_FOUND', `unknown client-side ID "${id}"`);
    return credential;
  }

  /** A directory key's record (relay edges look theirs up here), at least at `minRevision`. */
  lookup(key: string, minRevision = 0): Promise<DirectoryRecord> {
    return this.resolve(() => this.registry.record(key, minRevision));
  }

  /** Runs a directory resolution; 503 (retry) while the directory is unreachable or flooded. */
  private async resolve<T>(run: () => Promise<T>): Promise<T> {
    if (!this.registry.ready)
      throw unavailable('NOT_READY', 'the edge is starting and has no data yet');
    try {
      return await run();
    } catch (err) {
      if (err instanceof LookupsExhausted)
        throw unavailable(
          'OVERLOADED',
          'too many unknown credentials at once; retry',
          1,
          'overloaded',
        );
      this.logger.warn({ err }, 'a directory lookup failed');
      throw unavailable('NOT_READY', 'the directory cannot be reached just now; retry', 1);
    }
  }

  /**
   * The environment's state once it has data, and at least `atLeastSeq` when a client says it
   * already saw that seq (on another edge): serving it anything older would move its versions
   * backwards. Waits up to readyWaitMs for the edge to catch up, then 503, so the client
   * retries, possibly on an edge that is further ahead.
   */
  async readyState(environmentId: string, atLeastSeq = 0): Promise<EnvironmentState> {
    this.registry.touch(environmentId);
    const state = this.registry.stateFor(environmentId);
    const good = () => state.ready && state.seq >= atLeastSeq;
    if (good()) return state;
    this.want(environmentId);
    const deadline = this.now() + this.options.readyWaitMs;
    while (!good()) {
      const remaining = deadline - this.now();
      if (remaining <= 0 || !(await this.nextEvent(environmentId, remaining))) {
        throw state.ready
          ? unavailable(
              'NOT_READY',
              `this edge is at seq ${state.seq}, behind the seq ${atLeastSeq} you already have; retry`,
              1,
            )
          : unavailable('NOT_READY', 'this environment is still syncing; retry shortly');
      }
    }
    return state;
  }

  /** Resolves true at the environment's next state event, false after `ms`. */
  private nextEvent(environmentId: string, ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let waiters = this.waiters.get(environmentId);
      if (waiters === undefined) this.waiters.set(environmentId, (waiters = new Set()));
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        resolve(false);
      }, ms);
      waiters.add(wake);
    });
  }

  /** Refuses new streams while draining or at the stream cap. */
  admitStream(): void {
    if (this.draining)
      throw unavailable(
        'OVERLOADED',
        'this edge is shutting down; reconnect to another',
        1,
        'draining',
      );
    if (this.hub.size >= this.options.maxStreams) {
      throw unavailable(
        'OVERLOADED',
        `this edge process holds its maximum of ${this.options.maxStreams} streams; retry, or connect to another edge`,
        5,
        'cap',
      );
    }
  }

  /** A stream route's handler that also counts its refusals (errors), when metrics are on. */
  streamRoute(stream: StreamRoute['stream']): StreamRoute['stream'] {
    const metrics = this.metrics;
    if (metrics === undefined) return stream;
    return async (request) => {
      try {
        await stream(request);
      } catch (e) {
        metrics.refused(e);
        throw e;
      }
    };
  }

  /**
   * Admission control for initial payloads (reconnect storms): a slot is held until the payload
   * has left the socket buffer. Returns the release function.
   */
  acquirePayloadSlot(): () => void {
    if (this.inFlight >= this.options.maxInitialPayloadsInFlight) {
      throw unavailable(
        'OVERLOADED',
        'too many clients are connecting at once; retry shortly',
        1,
        'overloaded',
      );
    }
    this.inFlight++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.inFlight--;
      }
    };
  }

  get payloadsInFlight(): number {
    return this.inFlight;
  }
}
