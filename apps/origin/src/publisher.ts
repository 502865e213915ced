import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ChangeBus } from '@vexil/bus';
import type { Change, Logger } from '@vexil/protocol';
import type { Store } from '@vexil/store';
import type { Registry as MetricsRegistry } from 'prom-client';
import { startBusLane } from './bus-lane.js';
import { startDirectorySync } from './directory-sync.js';
import { eachLimited } from './each-limited.js';
import { countBusErrors } from './metrics/counted-bus.js';
import { countStoreErrors } from './metrics/counted-store.js';
import { OriginMetrics } from './metrics/origin-metrics.js';
import { OutboxLag } from './metrics/outbox-lag.js';

// The transactional outbox (docs/protocol.md section 5): changes are committed to the store's
// change log first, and published to the bus afterwards, in seq order per environment. If the bus
// is down, writes still succeed; publication resumes from the bus's last seq when it returns, and
// the bus drops anything published twice, so two origins can run this side by side.

export interface PublisherOptions {
  readonly store: Store;
  readonly bus: ChangeBus;
  readonly logger: Logger;
  /**
   * Sweep for changes committed without a kick here (another origin, a missed kick), reading the
   * environments changed in the last minute. Default 5 s.
   */
  readonly sweepIntervalMs?: number;
  /** Sweep of every environment (and the outbox lag's forgetting of deleted ones). Default 10 min. */
  readonly fullSweepIntervalMs?: number;
  /** First retry delay after a failure; doubles up to 2 s. Default 200 ms. */
  readonly retryDelayMs?: number;
  readonly batchSize?: number;
  /** Where bus errors, store errors and the outbox lag are reported; without it, nowhere. */
  readonly metrics?: MetricsRegistry;
}

export interface ChangePublisher {
  /** Environments that have new committed changes. */
  kick(environmentIds: readonly string[]): void;
  /** Environments or credentials changed (the store holds marks): sync the bus's directory. */
  directoryChanged(): void;
  /** Resolves when everything kicked so far is published (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const tracer = trace.getTracer('vexil-origin');

/**
 * How far back a sweep looks before the previous one started: a change is stamped when its
 * transaction writes it, and becomes visible when it commits (later), possibly by another
 * origin whose clock is a little off. The full sweep catches anything older.
 */
const SWEEP_OVERLAP_MS = 60_000;

/** Environments published at once. */
const PUBLISH_CONCURRENCY = 16;

/** Publication continues the trace of the write that made the change, when it has one. */
async function tracePublish(change: Change, publish: () => Promise<void>): Promise<void> {
  if (change.trace === undefined) return publish();
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: change.trace });
  const span = tracer.startSpan(
    'bus.publish',
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'vexil.environment_id': change.environmentId, 'vexil.seq': change.seq },
    },
    parent,
  );
  try {
    await publish();
  } catch (e) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw e;
  } finally {
    span.end();
  }
}

export function startPublisher(options: PublisherOptions): ChangePublisher {
  const { logger } = options;
  const metrics = options.metrics === undefined ? undefined : OriginMetrics.of(options.metrics);
  const store =
    metrics === undefined
      ? options.store
      : countStoreErrors(options.store, (operation) => metrics.storeError(operation));
  const bus =
    metrics === undefined ? options.bus : countBusErrors(options.bus, () => metrics.busError());
  const lag = metrics === undefined ? undefined : new OutboxLag();
  const forgetLag = lag === undefined ? undefined : metrics?.addOutboxLag(() => lag.total());
  const batchSize = options.batchSize ?? 500;
  const fullSweepMs = options.fullSweepIntervalMs ?? 10 * 60_000;
  const baseDelay = options.retryDelayMs ?? 200;
  /** Last seq known to be on the bus, per environment. */
  const published = new Map<string, number>();
  const dirty = new Set<string>();
  let checkAll = true;
  /** When the last sweep and the last full one started (Unix ms; undefined: none yet). */
  let sweptAt: number | undefined;
  let fullSweptAt = -Infinity;
  let closed = false;

  const pending = () => checkAll || dirty.size > 0;
  const directory = startDirectorySync({
    store,
    bus,
    logger,
    now: Date.now,
    ...(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs }),
    retryDelayMs: baseDelay,
  });

  async function publishEnvironment(environmentId: string): Promise<void> {
    let last = published.get(environmentId);
    if (last === undefined) {
      last = await bus.lastPublishedSeq(environmentId);
      // Remembered even when nothing follows: an environment with no changes is not asked for
      // again on every sweep.
      published.set(environmentId, last);
    }
    lag?.publish(environmentId, last);
    for (;;) {
      const changes = await store.listChanges(environmentId, last, batchSize);
      if (changes.length > 0) lag?.commit(environmentId, changes[changes.length - 1]!.seq);
      for (const change of changes) {
        await tracePublish(change, () => bus.publish(change));
        last = change.seq;
        published.set(environmentId, last);
        lag?.publish(environmentId, last);
      }
      if (changes.length < batchSize) return;
    }
  }

  /**
   * Publishes everything pending. Each environment succeeds or fails on its own: one that cannot
   * be published (a stream that refuses one subject) never holds back the others. The failed
   * ones are pending again afterwards, and the first failure is thrown for the retry with
   * backoff. The directory syncs on its own (directory-sync.ts).
   */
  async function drain(): Promise<void> {
    const failed = new Set<string>();
    let firstError: unknown;
    const fail = (err: unknown) => {
      firstError ??= err;
    };
    try {
      while (pending() && !closed) {
        if (checkAll) {
          checkAll = false;
          const startedAt = Date.now();
          const full = sweptAt === undefined || startedAt - fullSweptAt >= fullSweepMs;
          const since = full ? undefined : sweptAt! - SWEEP_OVERLAP_MS;
          const environments = await store.listEnvironmentSeqs(since).catch((err: unknown) => {
            checkAll = true;
            throw err;
          });
          sweptAt = startedAt;
          if (full) fullSweptAt = startedAt;
          lag?.environments(environments, full);
          for (const env of environments) {
            if (env.seq > (published.get(env.id) ?? -1)) dirty.add(env.id);
          }
        }
        // Side by side: each environment's changes stay in order, one publication per
        // environment at a time; a burst of new environments (a bulk creation) would otherwise
        // queue behind one bus round trip each.
        const batch = [...dirty];
        dirty.clear();
        await eachLimited(batch, PUBLISH_CONCURRENCY, async (environmentId) => {
          try {
            await publishEnvironment(environmentId);
          } catch (err) {
            // The bus is the authority on what it holds: ask it again on the retry.
            published.delete(environmentId);
            failed.add(environmentId);
            fail(err);
          }
        });
      }
    } finally {
      for (const id of failed) dirty.add(id);
    }
    if (firstError !== undefined) throw firstError;
  }

  const lane = startBusLane({
    drain,
    pending,
    connected: () => bus.connected,
    failed(err, retryInMs) {
      // Nothing is lost: the change log keeps everything, and what failed is pending again.
      // The retry also re-reads the environments' seqs, which keeps the outbox lag current.
      logger.warn({ err, retryInMs }, 'publishing to the bus failed; will retry');
      checkAll = true;
    },
    sweep: () => (checkAll = true),
    sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
    retryDelayMs: baseDelay,
  });

  return {
    kick(environmentIds) {
      for (const id of environmentIds) dirty.add(id);
      lane.wake();
    },
    directoryChanged: () => directory.changed(),
    async idle() {
      await lane.idle();
      await directory.idle();
    },
    async close() {
      closed = true;
      forgetLag?.();
      await Promise.all([lane.close(), directory.close()]);
    },
  };
}
