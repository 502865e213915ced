import type { DirectoryEntry, DirectoryRecord, Logger } from '@vexil/protocol';
import type { Subscription } from '../change-bus.js';
import { decodeDirectoryEntry, encodeJson } from './codec.js';
import { guarded } from './guarded.js';
import { startReaderFromEnd } from './ordered-reader.js';
import type { Session } from './session.js';
import type { Subjects } from './subjects.js';

// The directory on JetStream: a stream that keeps the last message of each subject, one subject
// per entry (what NATS's key-value buckets are, here on the session, reader and stream set-up the
// change stream already has). A lookup is one read of a subject's last message; a watch is one
// ordered consumer over every subject from the stream's end, so it costs the same with ten
// entries or ten million. A delete is an empty message; revisions are stream sequences.

export interface DirectoryTable {
  put(key: string, entry: DirectoryEntry): Promise<void>;
  delete(key: string): Promise<void>;
  get(key: string): Promise<DirectoryRecord>;
  /** `stop` also deletes the watch's consumer (best effort), for a clean shutdown. */
  watch(
    onRecord: (record: DirectoryRecord) => void,
  ): Subscription & { readonly ready: Promise<void>; stop(): Promise<void> };
}

export interface DirectoryTableOptions {
  readonly stream: string;
  readonly requestTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
}

const EMPTY = new Uint8Array(0);

export function createDirectoryTable(
  session: Session,
  subjects: Subjects,
  o: DirectoryTableOptions,
): DirectoryTable {
  const prefix = subjects.allDirectory.slice(0, -1);
  const record = (key: string, data: Uint8Array, revision: number): DirectoryRecord => {
    const entry = data.length === 0 ? undefined : decodeDirectoryEntry(data);
    return entry === undefined ? { key, revision } : { key, entry, revision };
  };
  const write = async (key: string, data: Uint8Array) => {
    const subject = subjects.directory(key);
    return guarded(session, 'writing the directory', async () => {
      await session.handles().js.publish(subject, data, { timeout: o.requestTimeoutMs });
    });
  };

  return {
    put: (key, entry) => write(key, encodeJson(entry)),
    delete: (key) => write(key, EMPTY),
    async get(key) {
      const subject = subjects.directory(key);
      return guarded(session, 'reading the directory', async () => {
        const { jsm } = session.handles();
        const stored = await jsm.streams.getMessage(o.stream, { last_by_subj: subject });
        return stored === null ? { key, revision: 0 } : record(key, stored.data, stored.seq);
      });
    },
    watch(onRecord) {
      const { reader, started } = startReaderFromEnd(session, {
        stream: o.stream,
        subject: subjects.allDirectory,
        heartbeatMs: o.heartbeatMs,
        logger: o.logger,
        onMessage(msg) {
          onRecord(record(msg.subject.slice(prefix.length), msg.data, msg.seq));
        },
      });
      return { ready: started, close: () => void reader.stop(), stop: () => reader.stop() };
    },
  };
}
