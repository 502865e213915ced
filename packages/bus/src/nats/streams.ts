import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '@vexil/protocol';
import type { ResolvedOptions } from './options.js';
import type { Subjects } from './subjects.js';

/** The stream settings the bus owns; anything else an operator sets on the stream is kept. */
export type ManagedConfig = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'retention'
  | 'storage'
  | 'num_replicas'
  | 'max_msgs_per_subject'
  | 'discard'
  | 'duplicate_window'
  | 'max_age'
>;

/**
 * Changes: limits retention (deliveries never remove messages; many edges read the same ones),
 * a replay window of `maxMsgsPerSubject` per environment with the oldest discarded, file storage
 * so a restarted server still has them, and a duplicate window for `Nats-Msg-Id`.
 */
export function changeStreamConfig(o: ResolvedOptions, subjects: Subjects): ManagedConfig {
  return {
    name: o.streamName,
    subjects: [subjects.allChanges],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: o.replicas,
    max_msgs_per_subject: o.maxMsgsPerSubject,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(o.duplicateWindowMs),
    max_age: nanos(o.maxAgeMs),
  };
}

/**
 * The directory: a subject per entry, of which only the latest message matters, so one is kept
 * (a delete is an empty message, which watchers must see). Direct gets serve lookups.
 */
export function directoryStreamConfig(o: ResolvedOptions, subjects: Subjects): ManagedConfig {
  return {
    name: o.directoryStreamName,
    subjects: [subjects.allDirectory],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: o.replicas,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(o.duplicateWindowMs),
    max_age: 0,
  };
}

function differences(want: ManagedConfig, have: StreamConfig): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(want) as (keyof ManagedConfig)[]) {
    const a = key === 'subjects' ? [...want.subjects].sort().join(',') : want[key];
    const b = key === 'subjects' ? [...(have.subjects ?? [])].sort().join(',') : have[key];
    if (a !== b) changed.push(key);
  }
  return changed;
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Creates the stream, or updates the settings the bus owns; idempotent, safe to race. */
export async function ensureStream(
  jsm: JetStreamManager,
  want: ManagedConfig,
  logger: Logger,
): Promise<void> {
  let have: StreamConfig;
  try {
    have = (await jsm.streams.info(want.name)).config;
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      await jsm.streams.add(want);
      logger.info({ stream: want.name, replicas: want.num_replicas }, 'created NATS stream');
      return;
    } catch (addErr) {
      // Another process created it between our info and add: fall through to compare.
      if (!(addErr instanceof JetStreamApiError)) throw addErr;
      have = (await jsm.streams.info(want.name)).config;
    }
  }
  const changed = differences(want, have);
  if (changed.length === 0) return;
  // Storage and retention cannot change in place; the server's error then says so.
  await jsm.streams.update(want.name, want);
  logger.info({ stream: want.name, changed }, 'updated NATS stream settings');
}

/** For a bus that does not manage streams: fails (and is retried) until the stream exists. */
export async function requireStream(jsm: JetStreamManager, name: string): Promise<void> {
  await jsm.streams.info(name);
}
