import type { StateObserver } from '../edge.js';
import { silentLogger, type Logger } from '@vexil/protocol';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { EnvironmentQueue, type PendingWrite } from './environment-queue.js';
import { connectWriter, writeInit, writeUpserts } from './redis-writes.js';

export {
  defaultRedisPrefixTemplate,
  redisPrefix,
  RedisPrefixError,
  type EnvironmentKeys,
} from './redis-prefix.js';

export interface RedisPersistenceOptions {
  /**
   * `redis://[[user]:password@]host:port[/db]`, or `rediss://` for TLS (an ACL user and its
   * password in the URL).
   */
  readonly url: string;
  /**
   * For `rediss://`: a private CA, and a client certificate and key when the server verifies
   * clients (`tls-auth-clients`), as PEM text. Without `ca`, the system's CAs.
   */
  readonly tls?: RedisTls;
  /**
   * The key prefix of an environment (docs/protocol.md section 8; `:` is added before each key), or
   * undefined to leave it out of Redis. `redisPrefix(defaultRedisPrefixTemplate, describe)` gives
   * `vexil:<projectKey>:<environmentKey>`. Daemon-mode SDKs must be configured with the same one.
   */
  readonly prefix: (environmentId: string) => string | undefined;
  readonly logger?: Logger;
  /** Distinct changed items queued for one environment before the queue becomes one full init. */
  readonly maxPendingItems?: number;
  /** Items per upsert script call: bounds how long one call holds Redis. */
  readonly upsertBatchSize?: number;
  /** A command not answered within this fails, and its environment is rewritten in full later. */
  readonly commandTimeoutMs?: number;
  /** Upper bound of the reconnect and retry delays. */
  readonly maxRetryDelayMs?: number;
  /**
   * Environments written at once. After a reconnect every environment is rewritten in full; this
   * keeps that from encoding every data set in the same tick.
   */
  readonly maxConcurrentWrites?: number;
}

export interface RedisTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

type Tunables = Required<
  Pick<
    RedisPersistenceOptions,
    | 'maxPendingItems'
    | 'upsertBatchSize'
    | 'commandTimeoutMs'
    | 'maxRetryDelayMs'
    | 'maxConcurrentWrites'
  >
>;

export const defaultRedisPersistenceOptions: Tunables = {
  maxPendingItems: 10_000,
  upsertBatchSize: 500,
  commandTimeoutMs: 10_000,
  maxRetryDelayMs: 5_000,
  maxConcurrentWrites: 8,
};

export interface RedisPersistence {
  /** Pass to `createEdge({ observers })`. Only queues: never blocks, never throws. */
  readonly observer: StateObserver;
  /** Resolves once everything recorded before the call is in Redis (or `close` was called). */
  flushed(): Promise<void>;
  /** Waits for writes in flight, then disconnects; what is still queued is dropped. */
  close(): Promise<void>;
}

/**
 * Mirrors every environment into Redis in the layout daemon-mode LaunchDarkly SDKs read
 * (docs/protocol.md section 8). Writes run behind the fan-out: the observer records the event in
 * the environment's coalescing queue and returns; one writer per environment drains it. While Redis
 * is unreachable nothing accumulates but a "rewrite in full" mark, and every (re)connection
 * rewrites every environment in full, since a restarted Redis may have lost its data.
 */
export function redisPersistence(options: RedisPersistenceOptions): RedisPersistence {
  const settings: Tunables = { ...defaultRedisPersistenceOptions, ...options };
  const logger = options.logger ?? silentLogger;
  const client = connectWriter(options.url, settings, options.tls);
  const queues = new Map<string, EnvironmentQueue>();
  const writers = new Map<EnvironmentQueue, Promise<void>>();
  /** Queues with work and no writer yet, oldest first. */
  const runnable = new Set<EnvironmentQueue>();
  let kickScheduled = false;
  const waiters = new Set<() => boolean>();
  const prefixes = new Map<EnvironmentQueue, string | undefined>();
  let closed = false;
  let failing = false;
  let retryAttempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  client.on('error', (err: unknown) => {
    if (failing) logger.debug({ err }, 'redis persistence: Redis still unreachable');
    else logger.warn({ err }, 'redis persistence: Redis unreachable; catching up when it is back');
    failing = true;
  });
  client.on('ready', () => {
    if (failing) logger.info({}, 'redis persistence: Redis is back; rewriting every environment');
    if (queues.size === 0) failing = false;
    for (const queue of queues.values()) {
      queue.invalidate();
      schedule(queue);
    }
  });

  function schedule(queue: EnvironmentQueue): void {
    if (closed || writers.has(queue)) return;
    runnable.add(queue);
    kickSoon();
  }

  function kickSoon(): void {
    if (kickScheduled) return;
    kickScheduled = true;
    // setImmediate: a burst of changes delivered in one tick becomes one batch, and a writer
    // that ends without awaiting cannot recurse through kick.
    setImmediate(kick);
  }

  function kick(): void {
    kickScheduled = false;
    for (const queue of runnable) {
      if (closed || writers.size >= settings.maxConcurrentWrites) return;
      runnable.delete(queue);
      // A running writer picks up what was recorded while it awaited Redis. The writer is
      // registered before it runs: a drain that returns at once (Redis not ready) removes its
      // entry in `finally`, and an entry set after that would block the queue for good.
      if (!writers.has(queue))
        writers.set(
          queue,
          Promise.resolve().then(() => drain(queue)),
        );
    }
  }

  async function drain(queue: EnvironmentQueue): Promise<void> {
    try {
      for (;;) {
        if (closed || client.status !== 'ready') return;
        const prefix = options.prefix(queue.state.id);
        // A renamed environment moves: written in full under its new prefix, the old one left.
        if (prefix !== prefixes.get(queue)) queue.invalidate();
        prefixes.set(queue, prefix);
        const write = queue.take();
        if (write === undefined) break;
        if (prefix !== undefined) await perform(prefix, queue, write);
        queue.done(write);
        settleWaiters();
        // Take turns: a busy environment must not keep the others waiting for a writer.
        if (runnable.size > 0 && writers.size >= settings.maxConcurrentWrites) {
          if (queue.hasWork) runnable.add(queue);
          return;
        }
      }
      retryAttempt = 0;
      if (failing && ![...queues.values()].some((q) => q.hasWork)) {
        failing = false;
        logger.info({}, 'redis persistence: caught up');
      }
    } catch (err) {
      queue.invalidate();
      if (!failing) logger.warn({ err }, 'redis persistence: write failed; will rewrite in full');
      failing = true;
      retryLater();
    } finally {
      writers.delete(queue);
      if (runnable.size > 0) kickSoon();
    }
  }

  function perform(prefix: string, queue: EnvironmentQueue, write: PendingWrite): Promise<void> {
    return write.type === 'init'
      ? writeInit(client, prefix, queue.state)
      : writeUpserts(client, prefix, write.items, settings.upsertBatchSize);
  }

  /** A failure while connected (READONLY replica, OOM, timeout): retry with backoff. */
  function retryLater(): void {
    if (closed || retryTimer !== undefined) return;
    const delay = Math.min(100 * 2 ** retryAttempt++, settings.maxRetryDelayMs);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      for (const queue of queues.values()) if (queue.hasWork) schedule(queue);
    }, delay);
    retryTimer.unref();
  }

  function settleWaiters(): void {
    for (const settled of waiters) if (settled()) waiters.delete(settled);
  }

  const observer: StateObserver = (state: EnvironmentState, event: StateEvent) => {
    try {
      let queue = queues.get(state.id);
      if (queue === undefined)
        queues.set(state.id, (queue = new EnvironmentQueue(state, settings.maxPendingItems)));
      queue.record(state, event);
      // While Redis is away keep nothing but the mark: the reconnect rewrites it in full anyway.
      if (client.status === 'ready') schedule(queue);
      else queue.invalidate();
    } catch (err) {
      logger.error({ err, environmentId: state.id }, 'redis persistence: could not queue a write');
    }
  };

  return {
    observer,
    flushed() {
      const marks = [...queues.values()].map((queue) => [queue, queue.mark] as const);
      return new Promise((resolve) => {
        const settled = () => {
          const done = closed || marks.every(([queue, mark]) => queue.reached(mark));
          if (done) resolve();
          return done;
        };
        if (!settled()) waiters.add(settled);
      });
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await Promise.all(writers.values());
      settleWaiters();
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
