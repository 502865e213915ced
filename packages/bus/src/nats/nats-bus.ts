import type { ChangeBus, Subscription } from '../change-bus.js';
import { createChangeSubscriptions } from './change-subscriptions.js';
import { createChangeWriter } from './change-writer.js';
import { createDirectoryTable, type DirectoryTable } from './directory-table.js';
import { resolveOptions, type NatsBusOptions } from './options.js';
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
  /**
   * Why the bus is not connected with its streams set up (a refused credential, an untrusted
   * certificate, a server that does not answer), for readiness checks; undefined when it is.
   */
  readonly problem: string | undefined;
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
  const writer = createChangeWriter(session, subjects, streams.changes, o.requestTimeoutMs);
  const directory = createDirectoryTable(session, subjects, {
    stream: streams.directory,
    requestTimeoutMs: o.requestTimeoutMs,
    heartbeatMs: o.heartbeatMs,
    logger: o.logger,
  });
  const changes = createChangeSubscriptions(session, subjects, {
    stream: streams.changes,
    heartbeatMs: o.heartbeatMs,
    logger: o.logger,
  });

  const watches = new Set<ReturnType<DirectoryTable['watch']>>();
  const track = (watch: ReturnType<DirectoryTable['watch']>): Subscription => {
    watches.add(watch);
    return {
      ready: watch.ready,
      close() {
        if (watches.delete(watch)) watch.close();
      },
    };
  };

  return {
    kind: 'nats',
    get connected() {
      return session.connected;
    },
    get problem() {
      return session.problem;
    },
    async ready() {
      await session.ready();
    },
    onStatus: (listener) => session.onStatus(listener),
    publish: (change) => writer.publish(change),
    lastPublishedSeq: (environmentId) => writer.lastPublishedSeq(environmentId),
    putDirectoryEntry: (key, entry) => directory.put(key, entry),
    deleteDirectoryEntry: (key) => directory.delete(key),
    getDirectoryEntry: (key) => directory.get(key),
    watchDirectory: (onRecord) => track(directory.watch(onRecord)),

    subscribe: (subscribeOptions, onChange) => changes.subscribe(subscribeOptions, onChange),
    watchChanges: (onChange) => changes.watchAll(onChange),

    async close() {
      const stopping = [...[...watches].map((watch) => watch.stop()), changes.close()];
      watches.clear();
      await Promise.allSettled(stopping);
      await session.close();
    },
  };
}
