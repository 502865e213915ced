import {
  SseParser,
  type LiveChange,
  type ReadyEvent,
  type StreamEvent,
} from '../api/event-stream.js';

// One tab's connection to its project's change stream (docs/protocol.md section 9). It
// reconnects with backoff and resumes with Last-Event-ID, so no change is missed across a
// dropped connection; drops a change it already passed on (the server may send one twice across a
// reconnect); and tells its listeners either a change or `reset` (reload everything: the stream
// started afresh, or the server could not replay what was missed). A stream that goes quiet for
// longer than its heartbeat allows is presumed dead and reopened.

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'offline';

export type LiveSignal =
  { readonly type: 'change'; readonly change: LiveChange } | { readonly type: 'reset' };

export interface LiveConnectionOptions {
  readonly token: string;
  readonly project: string;
  /** The token was refused (401) or revoked while streaming: sign out. */
  readonly onUnauthorized: () => void;
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
}

/** Changes remembered for `lastChange` and for dropping repeats. */
const REMEMBERED = 500;
const MAX_BACKOFF_MS = 30_000;
/** Before the first `ready` says otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;

type Outcome = { readonly unauthorized: true } | { readonly retryAfterMs?: number };

export class LiveConnection {
  private readonly listeners = new Set<(signal: LiveSignal) => void>();
  private readonly watchers = new Set<() => void>();
  /** Newest last. */
  private readonly recent: LiveChange[] = [];
  private readonly seen = new Set<number>();
  private cursor: string | undefined;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private retryMs = 1_000;
  private generation = 0;
  private active = false;
  private controller: AbortController | undefined;
  private wakeSleep: (() => void) | undefined;
  private revoked = false;
  private currentStatus: LiveStatus = 'connecting';
  private changes = 0;

  constructor(private readonly options: LiveConnectionOptions) {}

  get status(): LiveStatus {
    return this.currentStatus;
  }

  /** Bumped with every change passed on (for React's useSyncExternalStore). */
  get changeCount(): number {
    return this.changes;
  }

  /** The newest change that matches, among the recent ones. */
  lastChange(match: (change: LiveChange) => boolean): LiveChange | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--)
      if (match(this.recent[i]!)) return this.recent[i];
    return undefined;
  }

  /** Receives every change and every reset from now on. */
  subscribe(listener: (signal: LiveSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Told when `status` or `changeCount` moves. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    if (this.currentStatus === 'paused') this.setStatus('reconnecting');
    void this.loop(++this.generation);
  }

  stop(): void {
    this.active = false;
    this.generation++;
    this.controller?.abort();
    this.wakeSleep?.();
  }

  /** Closes the stream for now (a hidden tab); `start` resumes from the last event id. */
  pause(): void {
    if (!this.active) return;
    this.stop();
    this.setStatus('paused');
  }

  private async loop(generation: number): Promise<void> {
    let attempt = 0;
    while (generation === this.generation) {
      let outcome: Outcome;
      try {
        outcome = await this.connect(generation);
      } catch {
        outcome = {};
      }
      if (generation !== this.generation) return;
      if ('unauthorized' in outcome) {
        this.setStatus('offline');
        this.options.onUnauthorized();
        return;
      }
      if (this.currentStatus === 'live') attempt = 0;
      this.setStatus('reconnecting');
      const jitter = 0.5 + (this.options.random ?? Math.random)() / 2;
      const backoff = Math.min(MAX_BACKOFF_MS, this.retryMs * 2 ** Math.min(attempt++, 5)) * jitter;
      // A 429 (too many tabs on one token) waits at least its Retry-After, longer each time.
      await this.sleep(Math.max(outcome.retryAfterMs ?? 0, backoff));
    }
  }

  private async connect(generation: number): Promise<Outcome> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'text/event-stream',
    };
    if (this.cursor !== undefined) headers['last-event-id'] = this.cursor;
    const res = await (this.options.fetch ?? fetch)(
      `/api/v1/projects/${encodeURIComponent(this.options.project)}/events`,
      { headers, signal: controller.signal, cache: 'no-store' },
    );
    if (res.status === 401) return { unauthorized: true };
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      const retryAfter = Number(res.headers.get('retry-after'));
      if (retryAfter > 0) return { retryAfterMs: retryAfter * 1000 };
      // A project that is gone: look again now and then (it may be created again).
      return res.status === 404 ? { retryAfterMs: MAX_BACKOFF_MS } : {};
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), this.heartbeatMs * 2.5 + 5_000);
    };
    arm();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || generation !== this.generation) break;
        arm();
        for (const event of parser.push(value)) this.handle(event);
        if (parser.retry !== undefined) this.retryMs = parser.retry;
      }
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
    return this.revoked ? { unauthorized: true } : {};
  }

  private handle(event: StreamEvent): void {
    if (event.lastEventId !== '') this.cursor = event.lastEventId;
    switch (event.event) {
      case 'ready': {
        const ready = JSON.parse(event.data) as ReadyEvent;
        this.heartbeatMs = ready.heartbeatMs;
        this.setStatus('live');
        if (!ready.resumed) this.emit({ type: 'reset' });
        break;
      }
      case 'change': {
        const change = JSON.parse(event.data) as LiveChange;
        if (this.seen.has(change.auditId)) break;
        this.seen.add(change.auditId);
        this.recent.push(change);
        if (this.recent.length > REMEMBERED) this.seen.delete(this.recent.shift()!.auditId);
        this.changes++;
        this.emit({ type: 'change', change });
        this.notify();
        break;
      }
      case 'reset':
        this.emit({ type: 'reset' });
        break;
      case 'revoked':
        this.revoked = true;
        break;
    }
  }

  private emit(signal: LiveSignal): void {
    for (const listener of [...this.listeners]) listener(signal);
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.notify();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
