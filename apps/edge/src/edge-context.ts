import type { IncomingMessage } from 'node:http';
import type { EdgeOptions } from './config.js';
import { EdgeError, header, unavailable } from './http/respond.js';
import type { Logger } from './logger.js';
import type { EnvironmentState, StateEvent } from './state/environment-state.js';
import type { Credential, Registry } from './state/registry.js';
import type { StreamHub } from './stream/stream-hub.js';

/** What every protocol module gets: state, streams, authentication, admission control. */
export class EdgeContext {
  private inFlight = 0;
  private readonly stateListeners = new Set<(state: EnvironmentState, event: StateEvent) => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  draining = false;

  constructor(
    readonly registry: Registry,
    readonly hub: StreamHub,
    readonly options: EdgeOptions,
    readonly logger: Logger,
    readonly now: () => number,
    private readonly want: (environmentId: string) => void,
  ) {}

  /** Protocol modules fan out from here: called for every snapshot and change of any environment. */
  onStateEvent(listener: (state: EnvironmentState, event: StateEvent) => void): void {
    this.stateListeners.add(listener);
  }

  emit(state: EnvironmentState, event: StateEvent): void {
    for (const listener of this.stateListeners) listener(state, event);
    if (state.ready) {
      const waiters = this.waiters.get(state.id);
      this.waiters.delete(state.id);
      for (const wake of waiters ?? []) wake();
    }
  }

  /** The SDK key or mobile key in `Authorization` (bare, `api_key <key>` or `Bearer <key>`). */
  authenticate(req: IncomingMessage, kind: 'sdk' | 'mobile'): Credential {
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

  /** The environment's state once it has data; waits up to readyWaitMs, then 503. */
  async readyState(environmentId: string): Promise<EnvironmentState> {
    const state = this.registry.stateFor(environmentId);
    if (state.ready) return state;
    this.want(environmentId);
    const ready = await new Promise<boolean>((resolve) => {
      let waiters = this.waiters.get(environmentId);
      if (waiters === undefined) this.waiters.set(environmentId, (waiters = new Set()));
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        resolve(false);
      }, this.options.readyWaitMs);
      waiters.add(wake);
    });
    if (!ready) throw unavailable('NOT_READY', 'this environment is still syncing; retry shortly');
    return state;
  }

  /** Refuses new streams while draining or at the stream cap. */
  admitStream(): void {
    if (this.draining)
      throw unavailable('OVERLOADED', 'this edge is shutting down; reconnect to another', 1);
    if (this.hub.size >= this.options.maxStreams) {
      throw unavailable(
        'OVERLOADED',
        `this edge holds its maximum of ${this.options.maxStreams} streams`,
        5,
      );
    }
  }

  /**
   * Admission control for initial payloads (reconnect storms): a slot is held until the payload
   * has left the socket buffer. Returns the release function.
   */
  acquirePayloadSlot(): () => void {
    if (this.inFlight >= this.options.maxInitialPayloadsInFlight) {
      throw unavailable('OVERLOADED', 'too many clients are connecting at once; retry shortly', 1);
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
