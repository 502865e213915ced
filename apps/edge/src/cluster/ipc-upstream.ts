import type { Edge } from '../edge.js';
import type { DirectoryRecord, Logger } from '@vexil/protocol';
import type { Upstream, UpstreamSink } from '../upstream/upstream.js';
import { isFeedMessage, type FeedRequest } from './feed.js';

/** The channel to the primary process: `process` in a cluster worker. */
export interface IpcChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: FeedRequest): boolean;
}

/** How long a worker waits for its primary to answer a directory lookup. */
const LOOKUP_TIMEOUT_MS = 10_000;

/**
 * A worker of a multi-process edge takes its data from the primary, which holds the one real
 * upstream (bus or relay): one subscription and one snapshot per environment for the whole
 * node, however many workers serve its streams; directory lookups go through the primary's
 * cache too. A gap (never expected over IPC, which is ordered) asks the primary for the
 * environment again.
 */
export function ipcUpstream(channel: IpcChannel, logger: Logger): Upstream {
  let sink: UpstreamSink | undefined;
  let nextId = 0;
  const lookups = new Map<number, { resolve(r: DirectoryRecord): void; reject(e: Error): void }>();
  const send = (request: FeedRequest) => channel.send?.(request);
  const onMessage = (message: unknown) => {
    if (sink === undefined || !isFeedMessage(message)) return;
    switch (message.type) {
      case 'directory-live':
        sink.directoryLive();
        break;
      case 'directory':
        sink.directory(message.record);
        break;
      case 'record': {
        const pending = lookups.get(message.id);
        lookups.delete(message.id);
        if (message.record !== undefined) pending?.resolve(message.record);
        else pending?.reject(new Error(message.error ?? 'the lookup failed'));
        break;
      }
      case 'put':
        sink.snapshot(message.snapshot);
        break;
      case 'change':
        if (sink.change(message.change) === 'gap') {
          logger.warn(
            { environmentId: message.change.environmentId },
            'gap in the primary feed; asking for a snapshot',
          );
          send({ type: 'resync', environmentId: message.change.environmentId });
        }
        break;
      case 'evict':
        sink.evicted(message.environmentId);
        break;
      case 'status':
        sink.connected(message.up);
        break;
    }
  };
  return {
    async start(s) {
      sink = s;
      channel.on('message', onMessage);
      send({ type: 'sync' });
    },
    lookup(key, minRevision) {
      const id = nextId++;
      return new Promise<DirectoryRecord>((resolve, reject) => {
        const timer = setTimeout(() => {
          lookups.delete(id);
          reject(new Error('the primary did not answer a directory lookup'));
        }, LOOKUP_TIMEOUT_MS);
        const done = () => clearTimeout(timer);
        lookups.set(id, {
          resolve: (record) => (done(), resolve(record)),
          reject: (err) => (done(), reject(err)),
        });
        send({ type: 'lookup', id, key, minRevision });
      });
    },
    want(environmentId) {
      send({ type: 'want', environmentId });
    },
    drop() {
      // The primary decides what the node holds.
    },
    async close() {
      channel.off('message', onMessage);
      for (const pending of lookups.values()) pending.reject(new Error('closed'));
      lookups.clear();
    },
  };
}

/**
 * A worker tells its primary, every `intervalMs`, how many streams it holds and which
 * environments its clients used.
 */
export function reportWorkerStreams(
  edge: Pick<Edge, 'streamCounts' | 'usedSince'>,
  channel: IpcChannel,
  intervalMs: number,
  now: () => number = Date.now,
): () => void {
  let since = now();
  const timer = setInterval(() => {
    const at = now();
    channel.send?.({ type: 'streams', counts: edge.streamCounts(), used: edge.usedSince(since) });
    since = at;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
