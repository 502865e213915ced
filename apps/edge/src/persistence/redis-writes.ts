import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { EnvironmentState, StoredItem } from '../state/environment-state.js';
import { hashOf, redisKeys } from './redis-keys.js';
import { upsertScript } from './upsert-script.js';

// The two writes of docs/protocol.md section 8, as the edge performs them. Item values are
// `StoredItem.text`, the JSON exactly as the origin published it; tombstones are the deleted item
// JSON (`{"key","version","deleted":true}`), never removed, so a version can never go backwards.

interface UpsertCommand {
  vexilUpsert(hash: string, ...args: string[]): Promise<number>;
}

export type RedisWriter = Redis & UpsertCommand;

/** ioredis, loaded when an edge first writes to Redis (most never do: it costs ~70 ms at start). */
const loadIoredis = () =>
  createRequire(import.meta.url)('ioredis') as { Redis: new (...args: unknown[]) => Redis };

export function connectWriter(
  url: string,
  settings: { readonly commandTimeoutMs: number; readonly maxRetryDelayMs: number },
  tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string },
): RedisWriter {
  const { Redis: Client } = loadIoredis();
  const client = new Client(url, {
    connectionName: 'vexil-edge',
    // ioredis turns a rediss:// URL into `tls: true` only when no `tls` option is given.
    ...(tls === undefined || !url.startsWith('rediss:') ? {} : { tls: { ...tls } }),
    // Fail fast instead of buffering: while Redis is away the queues keep only a "rewrite" mark,
    // and ioredis's offline queue would be an unbounded second copy of every write.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: settings.commandTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, settings.maxRetryDelayMs),
  });
  // defineCommand sends EVALSHA and falls back to EVAL once when the script cache lacks it.
  client.defineCommand('vexilUpsert', { numberOfKeys: 1, lua: upsertScript });
  return client as RedisWriter;
}

/** A complete data set in one MULTI: readers never see a half-written environment. */
export async function writeInit(
  client: RedisWriter,
  prefix: string,
  state: EnvironmentState,
): Promise<void> {
  const keys = redisKeys(prefix);
  const multi = client.multi();
  for (const [hash, items] of [
    [keys.features, state.flags],
    [keys.segments, state.segments],
  ] as const) {
    multi.del(hash);
    // A Map, not spread arguments: an environment may have more items than a call has arguments.
    if (items.size > 0)
      multi.hset(hash, new Map([...items].map(([key, item]) => [key, item.text])));
  }
  multi.set(keys.inited, '');
  const replies = await multi.exec();
  if (replies === null) throw new Error('the MULTI for a full init was discarded');
  const failed = replies.find(([err]) => err !== null);
  if (failed !== undefined) throw failed[0];
}

/** Conditional upserts, `batchSize` items per script call so one call never holds Redis long. */
export async function writeUpserts(
  client: RedisWriter,
  prefix: string,
  items: readonly StoredItem[],
  batchSize: number,
): Promise<void> {
  const keys = redisKeys(prefix);
  for (const kind of ['flag', 'segment'] as const) {
    const ofKind = items.filter((item) => item.kind === kind);
    for (let i = 0; i < ofKind.length; i += batchSize) {
      const args = ofKind
        .slice(i, i + batchSize)
        .flatMap((item) => [item.key, String(item.version), item.text]);
      await client.vexilUpsert(hashOf(keys, kind), ...args);
    }
  }
}
