import { MAX_INSIGHT_COUNT, type Logger } from '@vexil/protocol';

/** One flag's evaluations of one variation in one minute (null variation = the SDK default). */
export interface InsightCount {
  environmentId: string;
  flagKey: string;
  variation: number | null;
  bucketStart: number;
  count: number;
}

/** Where the edge ships its counts: the store in `vexil start`, the origin's API elsewhere. */
export interface InsightsSink {
  record(counts: readonly InsightCount[]): Promise<void>;
}

const MINUTE = 60_000;
/** Distinct buckets held before an early flush: bounds memory under a flood of flag keys. */
const MAX_BUCKETS = 50_000;

/**
 * Sums evaluation counts from SDK analytics events per (environment, flag, variation, minute)
 * and ships them in batches: many SDKs' events become one small write per interval.
 */
export class InsightsCollector {
  private counts = new Map<string, InsightCount>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly sink: InsightsSink | undefined,
    private readonly flushMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.sink === undefined) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  add(
    environmentId: string,
    flagKey: string,
    variation: number | null,
    at: number,
    count: number,
  ): void {
    if (this.sink === undefined || count <= 0 || !Number.isFinite(count)) return;
    const bucketStart = Math.floor(at / MINUTE) * MINUTE;
    const id = `${environmentId}\0${flagKey}\0${variation ?? -1}\0${bucketStart}`;
    const existing = this.counts.get(id);
    // Capped: a larger sum is no real traffic, and the origin refuses a batch that holds one.
    if (existing !== undefined)
      existing.count = Math.min(existing.count + count, MAX_INSIGHT_COUNT);
    else
      this.counts.set(id, {
        environmentId,
        flagKey,
        variation,
        bucketStart,
        count: Math.min(count, MAX_INSIGHT_COUNT),
      });
    if (this.counts.size >= MAX_BUCKETS) void this.flush();
  }

  async flush(): Promise<void> {
    if (this.sink === undefined) return;
    await this.flushing;
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    this.flushing = this.sink.record(batch).catch((err: unknown) => {
      // Counts are statistics, not state: after a failed write they are dropped, not retried
      // forever, so a long outage cannot grow the edge's memory.
      this.logger.warn(
        { err, buckets: batch.length },
        'could not record flag insights; dropped this batch',
      );
    });
    await this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
