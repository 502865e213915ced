import { createHash } from 'node:crypto';
import type { Directory, Logger } from '@vexil/protocol';
import type { EdgeOptions } from './config.js';
import { EdgeError, header, unavailable } from './http/respond.js';
import type { StreamRoute, WithHeaders } from './http/routes.js';
import type { EdgeMetrics } from './metrics/edge-metrics.js';
import type { EnvironmentState, StateEvent } from './state/environment-state.js';
import type { Credential, Registry } from './state/registry.js';
import type { StreamHub } from './stream/stream-hub.js';

/** What every protocol module gets: state, streams, authentication, admission control. */
export class EdgeContext {
  private inFlight = 0;
  private readonly stateListeners = new Set<(state: EnvironmentState, event: StateEvent) => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly directoryListeners = new Set<(directory: Directory) => void>();
  draining = false;

  constructor(
    readonly registry: Registry,
    readonly hub: StreamHub,
    readonly options: EdgeOptions,
    readonly logger: Logger,
    readonly now: () => number,
    private readonly want: (environmentId: string) => void,
    readonly metrics?: EdgeMetrics,
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

  onDirectory(listener: (directory: Directory) => void): void {
    this.directoryListeners.add(listener);
  }

  emitDirectory(directory: Directory): void {
    for (const listener of this.directoryListeners) listener(directory);
  }

  /** An API token of the `edge` role in `Authorization: Bearer <token>` (relay edges). */
  authenticateEdge(req: WithHeaders): string {
    const directory = this.registry.directory;
    if (directory === undefined)
      throw unavailable('NOT_READY', 'the edge is starting and has no data yet');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '');
    if (m === null)
      throw new EdgeError('UNAUTHORIZED', 'send an edge token as "Authorization: Bearer <token>"');
    const hash = createHash('sha256').update(m[1]!, 'utf8').digest('hex');
    if (!directory.edgeTokens.includes(hash))
      throw new EdgeError('UNAUTHORIZED', 'unknown or revoked edge token');
    return hash;
  }

  /** The SDK key or mobile key in `Authorization` (bare, `api_key <key>` or `Bearer <key>`). */
  authenticate(req: WithHeaders, kind: 'sdk' | 'mobile'): Credential {
    if (this.registry.directory === undefined)
      throw unavailable('NOT_READY', 'the edge is starting and has no data yet');
    const raw = header(req, 'authorization')?.trim() ?? '';
    const key = raw.replace(/^(api_key|bearer)\s+/i, '');
    const what = kind === 'sdk' ? 'SDK key' : 'mobile key';
    if (key === '' || /\s/.test(key)) {
      throw new EdgeError('UNAUTHORIZED', `send the ${what} as "Authorization: <key>"`);
    }
    const credential = this.registry.resolveKey(key, kind);
    if (credential === undefined) throw new EdgeError('UNAUTHORIZED', `unknown or revoked ${what}`);
    return credential;
  }

  clientSideId(id: string): Credential {
    if (this.registry.directory === undefined)
      throw unavailable('NOT_READY', 'the edge is starting and has no data yet');
    const credential = this.registry.resolveClientSideId(id);
    if (credential === undefined)
      throw new EdgeError('NOT_FOUND', `unknown client-side ID "${id}"`);
    return credential;
  }

  /**
   * The environment's state once it has data, and at least `atLeastSeq` when a client says it
   * already saw that seq (on another edge): serving it anything older would move its versions
   * backwards. Waits up to readyWaitMs for the edge to catch up, then 503, so the client
   * retries, possibly on an edge that is further ahead.
   */
  async readyState(environmentId: string, atLeastSeq = 0): Promise<EnvironmentState> {
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
