import type { Edge } from '../edge.js';
import type { StreamCount } from '../stream/stream-hub.js';
import { isFeedRequest, type FeedMessage } from './feed.js';

/** A worker as the primary sees it: `cluster.Worker`. */
export interface WorkerChannel {
  send(message: FeedMessage): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: () => void): unknown;
}

/**
 * Feeds one worker from the primary's edge: everything when the worker asks (`sync`, at its
 * start), then every change as it happens; one environment again when the worker saw a gap;
 * the environments and directory lookups its clients need. `onStreams` receives the worker's
 * stream counts (empty once it exited).
 */
export function feedWorker(
  edge: Edge,
  worker: WorkerChannel,
  onStreams: (counts: readonly StreamCount[]) => void,
): void {
  let unfollow: (() => void) | undefined;
  worker.on('message', (request: unknown) => {
    if (!isFeedRequest(request)) return;
    switch (request.type) {
      case 'sync':
        unfollow?.();
        unfollow = edge.follow((message) => worker.send(message));
        break;
      case 'resync': {
        const snapshot = edge.snapshot(request.environmentId);
        if (snapshot !== undefined) worker.send({ type: 'put', snapshot });
        break;
      }
      case 'want': {
        // The worker may have evicted an environment the node still holds: send it again.
        const snapshot = edge.snapshot(request.environmentId);
        if (snapshot !== undefined) worker.send({ type: 'put', snapshot });
        edge.want(request.environmentId);
        break;
      }
      case 'lookup':
        edge.lookup(request.key, request.minRevision).then(
          (record) => worker.send({ type: 'record', id: request.id, record }),
          (err: unknown) => worker.send({ type: 'record', id: request.id, error: String(err) }),
        );
        break;
      case 'streams':
        edge.touch(request.used);
        onStreams(request.counts);
        break;
    }
  });
  worker.on('exit', () => {
    unfollow?.();
    onStreams([]);
  });
}
