import type { Change, Directory } from '@vexil/protocol';
import type { ChangeBus, SubscribeOptions, Subscription } from '../change-bus.js';
import { createChangeWriter } from './change-writer.js';
import { decodeChange, decodeDirectory } from './codec.js';
import { resolveOptions, type NatsBusOptions } from './options.js';
import { startReader, type Reader } from './ordered-reader.js';
import { replayStart } from './replay-start.js';
import { openSession } from './session.js';
import {
  changeStreamConfig,
  directoryStreamConfig,
  ensureStream,
  requireStream,
} from './streams.js';
import { subjectsFor } from './subjects.js';

export interface NatsBus extends ChangeBus {
  readonly kind: 'nats';
  /** Resolves once connected with the streams set up (rejects if the bus closes first). */
  ready(): Promise<void>;
  /** Calls `listener` with `connected` each time it changes; returns the unsubscribe function. */
  onStatus(listener: (connected: boolean) => void): () => void;
}

/**
 * The ChangeBus on NATS JetStream (docs/protocol.md section 5; regions: docs/operations.md section
 * 2). Returns at once and connects in the background, retrying forever; until then `connected` is
 * false, publishing fails fast with a BusError `UNAVAILABLE`, and subscriptions wait. See the
 * package README for the stream design.
 */
export function createNatsBus(options: NatsBusOptions): NatsBus {
  const o = resolveOptions(options);
  const subjects = subjectsFor(o.subjectPrefix);
  const streams = { changes: o.streamName, directory: o.directoryStreamName };
  const session = openSession(o, async (jsm) => {
    if (o.manageStreams) {
      await ensureStream(jsm, changeStreamConfig(o, subjects), o.logger);
      await ensureStream(jsm, directoryStreamConfig(o, subjects), o.logger);
    } else {
      await requireStream(jsm, streams.changes);
      await requireStream(jsm, streams.directory);
    }
  });
  const writer = createChangeWriter(session, subjects, streams, o.requestTimeoutMs);
  const readers = new Set<Reader>();

  const track = (reader: Reader): Subscription => {
    readers.add(reader);
    return {
      close() {
        if (readers.delete(reader)) void reader.stop();
      },
    };
  };

  return {
    kind: 'nats',
    get connected() {
      return session.connected;
    },
    async ready() {
      await session.ready();
    },
    onStatus: (listener) => session.onStatus(listener),
    publish: (change) => writer.publish(change),
    lastPublishedSeq: (environmentId) => writer.lastPublishedSeq(environmentId),
    publishDirectory: (directory) => writer.publishDirectory(directory),

    subscribe(subscribeOptions: SubscribeOptions, onChange: (change: Change) => void) {
      const { environmentId, afterSeq } = subscribeOptions;
      const subject = subjects.changes(environmentId);
      // Also the guard against anything delivered twice or out of order.
      let last = afterSeq ?? 0;
      return track(
        startReader(session, {
          stream: streams.changes,
          subject,
          heartbeatMs: o.heartbeatMs,
          logger: o.logger,
          start: (jsm) => replayStart(jsm, streams.changes, subject, afterSeq),
          onMessage(msg) {
            const change = decodeChange(msg.data);
            if (change === undefined) {
              o.logger.warn(
                { subject, streamSeq: msg.seq },
                'skipping a message that is not a change',
              );
              return;
            }
            if (change.seq <= last) return;
            last = change.seq;
            onChange(change);
          },
        }),
      );
    },

    subscribeDirectory(onDirectory: (directory: Directory) => void) {
      let newest = -Infinity;
      return track(
        startReader(session, {
          stream: streams.directory,
          subject: subjects.directory,
          heartbeatMs: o.heartbeatMs,
          logger: o.logger,
          start: async () => 'last',
          onMessage(msg) {
            const directory = decodeDirectory(msg.data);
            if (directory === undefined || directory.generatedAt < newest) return;
            newest = directory.generatedAt;
            onDirectory(directory);
          },
        }),
      );
    },

    async close() {
      const stopping = [...readers].map((reader) => reader.stop());
      readers.clear();
      await Promise.allSettled(stopping);
      await session.close();
    },
  };
}
