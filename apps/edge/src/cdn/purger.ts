import type { ChangeBus, Subscription } from '@vexil/bus';
import type { Change, DirectoryRecord, Logger } from '@vexil/protocol';
import type { Registry } from 'prom-client';
import { cdnPurgeMetrics, type CdnPurgeMetrics } from './purge-metrics.js';

// The CDN purger (docs/cdn.md section 4): hears every environment's changes and every directory
// record on the bus, and tells each cache to drop what they made stale, with the floor that
// keeps a slow edge from putting it back. One or two purgers serve a whole cache tier; the edges
// that serve SDKs send none.

export interface CdnPurgerOptions {
  readonly bus: ChangeBus;
  /** The caches' purge URLs (`http://varnish:6081/`). */
  readonly targets: readonly string[];
  readonly logger: Logger;
  readonly metrics?: Registry;
  readonly now?: () => number;
  /** How long one purge request may take before it counts as failed. Default 2 s. */
  readonly timeoutMs?: number;
  /** First retry delay after a failure; doubles up to 2 s. Default 50 ms. */
  readonly retryDelayMs?: number;
  /** Purge requests in flight per target. Default 16. */
  readonly concurrency?: number;
}

export interface CdnPurger {
  /** Resolves once the purger hears the bus (and has asked every cache to drop everything). */
  readonly ready: Promise<void>;
  /** Resolves when nothing is waiting or in flight (tests, benchmarks). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** One purge: what it drops, and the floor it sets. Purges of one tag coalesce. */
type Purge =
  | { readonly kind: 'env'; readonly id: string; seq: number; committedAt: number }
  | { readonly kind: 'dir'; readonly key: string; revision: number }
  | { readonly kind: 'all' };

const ALL: Purge = { kind: 'all' };
const MAX_RETRY_MS = 2_000;

const tagOf = (p: Purge): string =>
  p.kind === 'env' ? `env ${p.id}` : p.kind === 'dir' ? `dir ${p.key}` : 'all';

function headersOf(p: Purge): Record<string, string> {
  if (p.kind === 'env') return { 'x-vexil-env': p.id, 'x-vexil-seq': String(p.seq) };
  if (p.kind === 'dir')
    return { 'x-vexil-credential': p.key, 'x-vexil-revision': String(p.revision) };
  return { 'x-vexil-purge-all': '1' };
}

/** `later` folded into `earlier` (same tag): the higher floor, the older commit time. */
function merge(earlier: Purge, later: Purge): Purge {
  if (earlier.kind === 'env' && later.kind === 'env') {
    return {
      ...earlier,
      seq: Math.max(earlier.seq, later.seq),
      committedAt: Math.min(earlier.committedAt, later.committedAt),
    };
  }
  if (earlier.kind === 'dir' && later.kind === 'dir')
    return { ...earlier, revision: Math.max(earlier.revision, later.revision) };
  return earlier;
}

export function startCdnPurger(options: CdnPurgerOptions): CdnPurger {
  const now = options.now ?? Date.now;
  const metrics = options.metrics === undefined ? undefined : cdnPurgeMetrics(options.metrics);
  const targets = options.targets.map(
    (url) => new TargetQueue(url, options, now, metrics?.forTarget(url)),
  );
  const enqueue = (p: Purge) => {
    for (const target of targets) target.add(p);
  };
  const onChange = (change: Change) =>
    enqueue({
      kind: 'env',
      id: change.environmentId,
      seq: change.seq,
      committedAt: change.committedAt,
    });
  const onRecord = (record: DirectoryRecord) => {
    // Credentials and environments authorize cached answers; the `synced` mark authorizes none.
    if (/^[ce]\./.test(record.key))
      enqueue({ kind: 'dir', key: record.key, revision: record.revision });
  };
  const watches: Subscription[] = [
    options.bus.watchChanges(onChange),
    options.bus.watchDirectory(onRecord),
  ];
  // What changed before the watches started is unknown: whatever a cache holds may be older.
  const ready = Promise.all(watches.map((w) => w.ready)).then(() => enqueue(ALL));
  return {
    ready,
    async idle() {
      await ready;
      await Promise.all(targets.map((t) => t.idle()));
    },
    async close() {
      for (const watch of watches) watch.close();
      for (const target of targets) target.close();
      metrics?.close();
    },
  };
}

/** The purges bound for one cache: coalesced by tag, sent a few at a time, retried on failure. */
class TargetQueue {
  private readonly waiting = new Map<string, Purge>();
  private readonly inFlight = new Set<string>();
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idlers: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly options: CdnPurgerOptions,
    private readonly now: () => number,
    private readonly metrics: ReturnType<CdnPurgeMetrics['forTarget']> | undefined,
  ) {
    metrics?.pending(() => this.waiting.size + this.inFlight.size);
  }

  add(p: Purge): void {
    if (this.closed) return;
    const tag = tagOf(p);
    const waiting = this.waiting.get(tag);
    this.waiting.set(tag, waiting === undefined ? p : merge(waiting, p));
    this.pump();
  }

  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.waiting.clear();
    this.settle();
  }

  private pump(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const limit = this.options.concurrency ?? 16;
    for (const [tag, p] of this.waiting) {
      if (this.inFlight.size >= limit) return;
      // A tag's next purge waits for its current one: the floor only ever rises at the cache.
      if (this.inFlight.has(tag)) continue;
      this.waiting.delete(tag);
      this.inFlight.add(tag);
      void this.send(p).then((ok) => this.sent(tag, p, ok));
    }
  }

  private async send(p: Purge): Promise<boolean> {
    try {
      const res = await fetch(this.url, {
        method: 'PURGE',
        headers: headersOf(p),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return true;
      this.options.logger.warn({ target: this.url, status: res.status }, 'a CDN purge was refused');
    } catch (err) {
      this.options.logger.warn({ err, target: this.url }, 'a CDN purge failed');
    }
    return false;
  }

  private sent(tag: string, p: Purge, ok: boolean): void {
    this.inFlight.delete(tag);
    if (this.closed) return this.settle();
    this.metrics?.result(ok);
    if (ok) {
      this.failures = 0;
      if (p.kind === 'env') this.metrics?.lag((this.now() - p.committedAt) / 1000);
    } else {
      const waiting = this.waiting.get(tag);
      this.waiting.set(tag, waiting === undefined ? p : merge(p, waiting));
      this.backOff();
    }
    this.pump();
    this.settle();
  }

  /** Stops sending to this target for a while: it failed, and is likely down. */
  private backOff(): void {
    if (this.retryTimer !== undefined) return;
    const first = this.options.retryDelayMs ?? 50;
    const delay = Math.min(first * 2 ** this.failures, MAX_RETRY_MS);
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  private settle(): void {
    if (this.inFlight.size > 0 || (this.waiting.size > 0 && !this.closed)) return;
    const idlers = this.idlers;
    this.idlers = [];
    for (const resolve of idlers) resolve();
  }
}
