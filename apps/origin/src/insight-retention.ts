import type { Logger } from '@vexil/protocol';
import type { Store } from '@vexil/store';

// Flag insights are kept at minute resolution for the recent past and at hour resolution after
// it, then deleted: an environment's rows are bounded by its flags' variations times the
// buckets kept, whatever SDKs send. Several origins may run this side by side: compacting twice
// changes nothing.

const DAY_MS = 86_400_000;

export interface InsightRetention {
  /** How long minute buckets are kept before they are summed into hours. Default 2 days. */
  readonly minuteBucketsMs: number;
  /** How long any bucket is kept. Default 90 days. */
  readonly bucketsMs: number;
  /** How often the store is compacted (the first time at start). Default 10 minutes. */
  readonly intervalMs: number;
}

export const defaultInsightRetention: InsightRetention = {
  minuteBucketsMs: 2 * DAY_MS,
  bucketsMs: 90 * DAY_MS,
  intervalMs: 600_000,
};

export interface InsightRetentionOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly retention?: Partial<InsightRetention>;
  readonly now?: () => number;
}

/** Compacts the store's insights now and every interval; returns the stop function. */
export function startInsightRetention(options: InsightRetentionOptions): () => void {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const r = { ...defaultInsightRetention, ...options.retention };
  let running: Promise<void> | undefined;
  const compact = () => {
    if (running !== undefined) return;
    const t = now();
    const bounds = { rollUpBefore: t - r.minuteBucketsMs, deleteBefore: t - r.bucketsMs };
    running = store
      .transaction((tx) => tx.compactInsights(bounds))
      .catch((e: unknown) =>
        logger.warn({ err: e }, 'insight retention failed; it is tried again next interval'),
      )
      .finally(() => (running = undefined));
  };
  compact();
  const timer = setInterval(compact, r.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
