import type { Change, Directory, EnvironmentSnapshot } from '@vexil/protocol';
import type { StreamCount } from '../stream/stream-hub.js';

/**
 * Everything an edge needs to mirror another one, as messages: the directory, an environment
 * snapshot (`put`), or one change. Carried over IPC between the processes of a multi-process
 * edge (and, as SSE, by the relay feed of docs/protocol.md section 7).
 */
export type FeedMessage =
  | { readonly type: 'directory'; readonly directory: Directory }
  | { readonly type: 'put'; readonly snapshot: EnvironmentSnapshot }
  | { readonly type: 'change'; readonly change: Change }
  | { readonly type: 'status'; readonly up: boolean };

/** What a worker tells its primary. */
export type FeedRequest =
  /** Send everything (at the worker's start). */
  | { readonly type: 'sync' }
  /** Send one environment again (the worker saw a gap). */
  | { readonly type: 'resync'; readonly environmentId: string }
  /** The worker's open streams, every few seconds, for the node's report. */
  | { readonly type: 'streams'; readonly counts: readonly StreamCount[] };

export function isFeedMessage(value: unknown): value is FeedMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'directory' || type === 'put' || type === 'change' || type === 'status';
}

export function isFeedRequest(value: unknown): value is FeedRequest {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'sync' || type === 'resync' || type === 'streams';
}
