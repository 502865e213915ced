import type { Edge } from '../edge.js';
import type { Logger } from '@vexil/protocol';
import type { Upstream, UpstreamSink } from '../upstream/upstream.js';
import { isFeedMessage, type FeedRequest } from './feed.js';

/** The channel to the primary process: `process` in a cluster worker. */
export interface IpcChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: FeedRequest): boolean;
}

/**
 * A worker of a multi-process edge takes its data from the primary, which holds the one real
 * upstream (bus or relay): one subscription and one snapshot per environment for the whole
 * node, however many workers serve its streams. A gap (never expected over IPC, which is
 * ordered) asks the primary for the environment again.
 */
export function ipcUpstream(channel: IpcChannel, logger: Logger): Upstream {
  let sink: UpstreamSink | undefined;
  const send = (request: FeedRequest) => channel.send?.(request);
  const onMessage = (message: unknown) => {
    if (sink === undefined || !isFeedMessage(message)) return;
    switch (message.type) {
      case 'directory':
        sink.directory(message.directory);
        break;
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
    want() {
      // The primary syncs every environment the node serves.
    },
    drop() {},
    async close() {
      channel.off('message', onMessage);
    },
  };
}

/** A worker tells its primary how many streams it holds, every `intervalMs`. */
export function reportWorkerStreams(
  edge: Pick<Edge, 'streamCounts'>,
  channel: IpcChannel,
  intervalMs: number,
): () => void {
  const timer = setInterval(
    () => channel.send?.({ type: 'streams', counts: edge.streamCounts() }),
    intervalMs,
  );
  timer.unref();
  return () => clearInterval(timer);
}
