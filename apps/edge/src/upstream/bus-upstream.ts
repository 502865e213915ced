import type { ChangeBus, Subscription } from '@vexil/bus';
import type { Logger } from '@vexil/protocol';
import type { SnapshotSource, Upstream, UpstreamSink } from './upstream.js';

export interface BusUpstreamOptions {
  readonly bus: ChangeBus;
  readonly snapshots: SnapshotSource;
  readonly logger: Logger;
  /** First retry delay when a snapshot cannot be fetched; doubles up to 10 s. */
  readonly retryDelayMs?: number;
}

/**
 * Bootstraps each environment from a snapshot at seq S and subscribes to the bus after S
 * (docs/protocol.md section 5). A gap (the bus skipped a seq, e.g. its replay window no longer held
 * it) triggers a resync from a fresh snapshot; changes are never applied out of order.
 */
export function busUpstream(options: BusUpstreamOptions): Upstream {
  const { bus, snapshots, logger } = options;
  const subscriptions = new Map<string, Subscription | 'pending'>();
  const retries = new Map<string, NodeJS.Timeout>();
  let sink: UpstreamSink | undefined;
  let directorySubscription: Subscription | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let closed = false;

  async function sync(environmentId: string, attempt = 0): Promise<void> {
    const existing = subscriptions.get(environmentId);
    if (existing !== undefined && existing !== 'pending') existing.close();
    subscriptions.set(environmentId, 'pending');
    try {
      const snapshot = await snapshots.snapshot(environmentId);
      if (closed || !subscriptions.has(environmentId)) return;
      if (snapshot === undefined) {
        subscriptions.delete(environmentId);
        return;
      }
      sink!.snapshot(snapshot);
      const subscription = bus.subscribe({ environmentId, afterSeq: snapshot.seq }, (change) => {
        if (sink!.change(change) === 'gap' && subscriptions.get(environmentId) === subscription) {
          logger.warn(
            { environmentId, seq: change.seq },
            'gap in the change stream; resyncing from a snapshot',
          );
          void sync(environmentId);
        }
      });
      subscriptions.set(environmentId, subscription);
    } catch (err) {
      const delay = Math.min((options.retryDelayMs ?? 200) * 2 ** attempt, 10_000);
      logger.warn({ err, environmentId, retryInMs: delay }, 'snapshot fetch failed; retrying');
      retries.set(
        environmentId,
        setTimeout(() => {
          retries.delete(environmentId);
          if (!closed && subscriptions.has(environmentId)) void sync(environmentId, attempt + 1);
        }, delay),
      );
    }
  }

  return {
    async start(s) {
      sink = s;
      const watch = bus.watchDirectory((record) => s.directory(record));
      directorySubscription = watch;
      void Promise.resolve(watch.ready).then(() => {
        if (!closed) s.directoryLive();
      });
      let last = bus.connected;
      s.connected(last);
      statusTimer = setInterval(() => {
        if (bus.connected !== last) {
          last = bus.connected;
          s.connected(last);
        }
      }, 500);
      statusTimer.unref();
    },
    lookup: (key) => bus.getDirectoryEntry(key),
    want(environmentId) {
      if (!subscriptions.has(environmentId) && !closed) void sync(environmentId);
    },
    drop(environmentId) {
      const sub = subscriptions.get(environmentId);
      if (sub !== undefined && sub !== 'pending') sub.close();
      subscriptions.delete(environmentId);
      clearTimeout(retries.get(environmentId));
      retries.delete(environmentId);
    },
    head(environmentId) {
      return bus.lastPublishedSeq(environmentId);
    },
    async close() {
      closed = true;
      clearInterval(statusTimer);
      directorySubscription?.close();
      for (const sub of subscriptions.values()) if (sub !== 'pending') sub.close();
      for (const timer of retries.values()) clearTimeout(timer);
      subscriptions.clear();
    },
  };
}
