import {
  ProviderEvents,
  type OpenFeatureError,
  type OpenFeatureEventEmitter,
} from '@openfeature/web-sdk';

// What the web SDK has been told about the current context, and the telling. The SDK learns a
// status two ways: from the promise of `initialize` or `onContextChange` (resolved: READY;
// rejected: ERROR, or FATAL for PROVIDER_FATAL), and from the provider's events once that promise
// has settled. So each outcome either settles the waiting calls or, when none waits, becomes an
// event, and an event is sent only when the status it announces is new.

type Announced = 'pending' | 'ready' | 'stale' | 'error';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class Readiness {
  private waiters: Waiter[] = [];
  private announced: Announced = 'pending';
  private deferred: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly events: OpenFeatureEventEmitter) {}

  /** Whether an `initialize` or a context change waits for the current context. */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Whether the SDK was told READY (and nothing since). */
  get ready(): boolean {
    return this.announced === 'ready';
  }

  /** A new context: a promise for its outcome (calls superseded before settling share it). */
  wait(): Promise<void> {
    this.clear();
    this.announced = 'pending';
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The edge's values are live. */
  live(flagsChanged: readonly string[]): void {
    const was = this.announced;
    this.announced = 'ready';
    // A settled promise is READY (or the end of RECONCILING) in the SDK's own words.
    if (this.settle()) return;
    if (was !== 'ready')
      this.events.emit(ProviderEvents.Ready, { message: 'the edge is streaming this context' });
    this.changed(flagsChanged);
  }

  changed(flagsChanged: readonly string[]): void {
    if (flagsChanged.length > 0)
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...flagsChanged] });
  }

  /** The live stream dropped; the values held are still served. */
  stale(message: string): void {
    if (this.announced !== 'ready') return;
    this.announced = 'stale';
    this.events.emit(ProviderEvents.Stale, { message });
  }

  /**
   * Serving stored values until the edge answers: the waiting calls resolve (the SDK says
   * READY), then STALE, from a timer since the SDK sets READY in a reaction to the promise.
   */
  offline(message: () => string): void {
    this.announced = 'stale';
    this.settle();
    this.deferred = setTimeout(() => {
      this.deferred = undefined;
      if (this.announced === 'stale')
        this.events.emit(ProviderEvents.Stale, { message: message() });
    }, 0);
  }

  /** A failure: the waiting calls reject with it, or an ERROR event says it. */
  failed(error: OpenFeatureError): void {
    this.announced = 'error';
    if (!this.settle(error))
      this.events.emit(ProviderEvents.Error, { message: error.message, errorCode: error.code });
  }

  /** Fails the waiting calls only (a closed provider tells the SDK nothing more). */
  abandon(error: Error): void {
    this.clear();
    this.settle(error);
  }

  /** Stops the deferred STALE of an offline start that no longer applies. */
  clear(): void {
    clearTimeout(this.deferred);
    this.deferred = undefined;
  }

  /** Settles every waiting call, superseded ones included; false when none was waiting. */
  private settle(error?: Error): boolean {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
    return waiters.length > 0;
  }
}
