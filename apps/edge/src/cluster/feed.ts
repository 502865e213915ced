import type { Change, DirectoryRecord, EnvironmentSnapshot } from '@vexil/protocol';
import type { StreamCount } from '../stream/stream-hub.js';

/**
 * Everything an edge needs to mirror another one, as messages, carried over IPC between the
 * processes of a multi-process edge: directory updates (`directory`, and `directory-live` once
 * they are complete), an environment snapshot (`put`), one change, an environment no longer
 * held (`evict`), the upstream's status, and the answer to a directory lookup (`record`).
 */
export type FeedMessage =
  | { readonly type: 'directory-live' }
  | { readonly type: 'directory'; readonly record: DirectoryRecord }
  | { readonly type: 'put'; readonly snapshot: EnvironmentSnapshot }
  | { readonly type: 'change'; readonly change: Change }
  | { readonly type: 'evict'; readonly environmentId: string }
  | { readonly type: 'status'; readonly up: boolean }
  | {
      readonly type: 'record';
      readonly id: number;
      readonly record?: DirectoryRecord;
      readonly error?: string;
    };

/** What a worker tells its primary. */
export type FeedRequest =
  /** Send everything (at the worker's start). */
  | { readonly type: 'sync' }
  /** Send one environment again (the worker saw a gap). */
  | { readonly type: 'resync'; readonly environmentId: string }
  /** Sync an environment a client of the worker asked for. */
  | { readonly type: 'want'; readonly environmentId: string }
  /** Look a directory key up; answered by a `record` with the same id. */
  | {
      readonly type: 'lookup';
      readonly id: number;
      readonly key: string;
      readonly minRevision: number;
    }
  /**
   * Every few seconds: the worker's open streams, for the node's report, and the environments its
   * clients used since the last report, which the primary then does not evict.
   */
  | {
      readonly type: 'streams';
      readonly counts: readonly StreamCount[];
      readonly used: readonly string[];
    };

const MESSAGES = new Set([
  'directory-live',
  'directory',
  'put',
  'change',
  'evict',
  'status',
  'record',
]);
const REQUESTS = new Set(['sync', 'resync', 'want', 'lookup', 'streams']);

export function isFeedMessage(value: unknown): value is FeedMessage {
  return MESSAGES.has((value as { type?: unknown } | null)?.type as string);
}

export function isFeedRequest(value: unknown): value is FeedRequest {
  return REQUESTS.has((value as { type?: unknown } | null)?.type as string);
}
