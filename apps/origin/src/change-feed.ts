import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Logger } from '@vexil/protocol';
import type { AuditEntry, StoreReader } from '@vexil/store';

// The change feed behind the dashboard's event streams (api/events.ts, docs/protocol.md section
// 9): every committed write leaves an audit entry in its own transaction, so the audit log is the
// one record of every change to flags, segments, environments, filters and projects, whichever
// origin made it. One feed per origin polls it (every `pollMs`, and at once after a write through
// this origin) while at least one stream is open, and hands each entry it has not seen before to
// every listener, once.
//
// Entries are looked for by time, not by id: PostgreSQL hands out audit ids when a transaction
// inserts, so concurrent transactions can commit them out of order (a lower id can appear after a
// higher one was read), and a rolled-back write leaves a hole. Every poll reads the entries
// stamped in the last `lookbackMs` and keeps the ids it has seen, so an entry that commits late
// is still found. The feed's cursor (the SSE event id a client resumes from) is the highest id
// below which every id has been seen, or waited for `settleMs` after a higher one appeared: a
// hole that old is a rollback, not a transaction still running.

export interface ChangeFeedOptions {
  readonly store: Pick<StoreReader, 'listAudit'>;
  readonly logger: Logger;
  /** The clock audit entries are stamped with (the origin's `now`). */
  readonly now: () => number;
  /** A monotonic clock in ms, for how long a hole has been waited for; default performance.now. */
  readonly monotonic?: () => number;
  /** How often the log is read while anyone listens (default 1 s). */
  readonly pollMs?: number;
  /** How far back each read looks, by the entries' time (default 60 s). */
  readonly lookbackMs?: number;
  /** How long a hole in the ids is waited for before the cursor moves past it (default 15 s). */
  readonly settleMs?: number;
  /** Entries per read of the log (default 500). */
  readonly pageSize?: number;
}

/** Receives the entries the feed had not seen before, in id order. */
export type FeedListener = (entries: readonly AuditEntry[]) => void;

export const FEED_DEFAULTS = {
  pollMs: 1_000,
  lookbackMs: 60_000,
  settleMs: 15_000,
  pageSize: 500,
} as const;

/** A read of the log stops after this many pages: the oldest entries of a busier window wait. */
const MAX_PAGES = 20;

interface Seen {
  /** The entry's own time (to forget it once it is out of the window). */
  readonly at: number;
  /** When this feed first saw it, on the monotonic clock. */
  readonly seenAt: number;
}

export class ChangeFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly seen = new Map<number, Seen>();
  private readonly pollMs: number;
  private readonly lookbackMs: number;
  private readonly settleMs: number;
  private readonly pageSize: number;
  private readonly monotonic: () => number;
  private watermark = 0;
  /** Bumped on every start and stop, so that a read of a stopped run is thrown away. */
  private generation = 0;
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The first read of this run is done: the cursor and the entries seen are known. */
  private ready = false;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: ChangeFeedOptions) {
    this.pollMs = options.pollMs ?? FEED_DEFAULTS.pollMs;
    this.lookbackMs = options.lookbackMs ?? FEED_DEFAULTS.lookbackMs;
    this.settleMs = options.settleMs ?? FEED_DEFAULTS.settleMs;
    this.pageSize = options.pageSize ?? FEED_DEFAULTS.pageSize;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /**
   * Every id at or below this has been handed to listeners (or was in the log before they
   * came): the event id a client that saw everything sent so far can resume from.
   */
  get cursor(): number {
    return this.watermark;
  }

  /** Listeners now; the feed reads the log only while there is one. */
  get size(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener, starting the feed if it was idle; resolves once the feed has read the log
   * (so `cursor` is known) with the function that removes the listener again.
   */
  async subscribe(listener: FeedListener): Promise<() => void> {
    if (this.closed) throw new Error('the change feed is closed');
    this.listeners.add(listener);
    const remove = () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
    };
    try {
      await (this.started ??= this.start());
    } catch (e) {
      remove();
      throw e;
    }
    return remove;
  }

  /** Something was written through this origin: read the log now instead of at the next tick. */
  wake(): void {
    if (!this.ready || this.closed) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops reading for good; listeners get nothing more. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private async start(): Promise<void> {
    const generation = ++this.generation;
    const entries = await this.read();
    if (generation !== this.generation) return;
    const t = this.monotonic();
    this.seen.clear();
    for (const e of entries) this.seen.set(e.id, { at: e.at, seenAt: t });
    // What is in the log when the first listener comes is settled: streams resume from here.
    const newest = entries[0]?.id ?? (await this.options.store.listAudit({ limit: 1 }))[0]?.id;
    if (generation !== this.generation) return;
    this.watermark = newest ?? 0;
    this.ready = true;
    this.schedule(this.pollMs);
  }

  private stop(): void {
    this.generation++;
    this.started = undefined;
    this.ready = false;
    this.again = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    // Outside any request's trace: the polls belong to no one request.
    this.timer = context.with(ROOT_CONTEXT, () =>
      setTimeout(() => {
        this.timer = undefined;
        this.running = this.poll().finally(() => {
          this.running = undefined;
          if (this.started === undefined || this.closed) return;
          const again = this.again;
          this.again = false;
          // After failures, back off (up to 30 s) so that a database that is down is not hammered.
          const backoff = Math.min(30_000, this.pollMs * 2 ** Math.min(this.failures, 5));
          this.schedule(
            again && this.failures === 0 ? 0 : this.failures > 0 ? backoff : this.pollMs,
          );
        });
      }, delayMs),
    );
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const generation = this.generation;
    if (!this.ready) return;
    let entries: AuditEntry[];
    try {
      entries = await this.read();
      if (this.failures > 0)
        this.options.logger.info({ failures: this.failures }, 'change feed: reading again');
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0)
        this.options.logger.warn({ err }, 'change feed: cannot read the audit log; retrying');
      return;
    }
    if (generation !== this.generation) return;
    const t = this.monotonic();
    const fresh = entries.filter((e) => !this.seen.has(e.id)).sort((a, b) => a.id - b.id);
    for (const e of fresh) this.seen.set(e.id, { at: e.at, seenAt: t });
    this.advance(t);
    this.forget();
    if (fresh.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(fresh);
      } catch (err) {
        this.options.logger.error({ err }, 'change feed: a listener failed');
      }
    }
  }

  /** Moves the cursor over every id seen in a row, and over holes waited for long enough. */
  private advance(t: number): void {
    const pending = [...this.seen.entries()]
      .filter(([id]) => id > this.watermark)
      .sort(([a], [b]) => a - b);
    for (const [id, seen] of pending) {
      if (id !== this.watermark + 1 && t - seen.seenAt < this.settleMs) break;
      this.watermark = id;
    }
  }

  /** Forgets settled entries that are out of the window: no read returns them again. */
  private forget(): void {
    const from = this.options.now() - this.lookbackMs;
    for (const [id, seen] of this.seen)
      if (id <= this.watermark && seen.at < from) this.seen.delete(id);
  }

  /** The entries stamped in the window, newest first. */
  private async read(): Promise<AuditEntry[]> {
    const from = this.options.now() - this.lookbackMs;
    const out: AuditEntry[] = [];
    let before: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const items = await this.options.store.listAudit({
        from,
        limit: this.pageSize,
        ...(before === undefined ? {} : { before }),
      });
      out.push(...items);
      const last = items[items.length - 1];
      if (items.length < this.pageSize || last === undefined) return out;
      before = last.id;
    }
    this.options.logger.warn(
      { entries: out.length, lookbackMs: this.lookbackMs },
      'change feed: more changes in the window than one read takes; the oldest wait',
    );
    return out;
  }
}
