import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { Change } from '@vexil/protocol';
import { decodeChange, encodeJson } from './codec.js';
import { BusError } from '../errors.js';
import { guarded as guardedOn } from './guarded.js';
import type { Session } from './session.js';
import { changeMessageId, type Subjects } from './subjects.js';

// Publication is a compare-and-set on the environment's subject: a change is appended only if
// the subject's last message is still the one we read (Nats-Expected-Last-Subject-Sequence) and
// its seq is below the new one. So two origins publishing the same change log side by side
// append each seq once and in order, even past the duplicate window; the loser of a race re-reads
// the tail, finds its change already there, and is done. Nats-Msg-Id makes a retried publish
// whose ack was lost a no-op inside the duplicate window without a round trip to re-read.

/** The last message on a subject: its stream sequence and the Vexil seq it carries. */
interface Tail {
  readonly streamSeq: number;
  readonly seq: number;
}

const EMPTY: Tail = { streamSeq: 0, seq: 0 };
/** Re-reads after losing a race, before giving up with CONFLICT. */
const MAX_ATTEMPTS = 5;

export interface ChangeWriter {
  publish(change: Change): Promise<void>;
  lastPublishedSeq(environmentId: string): Promise<number>;
}

function isWrongLastSequence(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;
}

export function createChangeWriter(
  session: Session,
  subjects: Subjects,
  stream: string,
  requestTimeoutMs: number,
): ChangeWriter {
  /** What this process last saw at each environment's tail; a failed compare-and-set refreshes it. */
  const tails = new Map<string, Tail>();

  const guarded = <T>(what: string, op: () => Promise<T>) => guardedOn(session, what, op);

  async function readTail(jsm: JetStreamManager, subject: string): Promise<Tail> {
    const stored = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (stored === null) return EMPTY;
    const change = decodeChange(stored.data);
    return { streamSeq: stored.seq, seq: change?.seq ?? 0 };
  }

  async function append(change: Change): Promise<void> {
    const subject = subjects.changes(change.environmentId);
    const { js, jsm } = session.handles();
    const payload = encodeJson(change);
    let tail = tails.get(change.environmentId) ?? (await readTail(jsm, subject));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (change.seq <= tail.seq) {
        tails.set(change.environmentId, tail);
        return;
      }
      try {
        const ack = await js.publish(subject, payload, {
          msgID: changeMessageId(change.environmentId, change.seq),
          expect: { lastSubjectSequence: tail.streamSeq },
          timeout: requestTimeoutMs,
        });
        // A duplicate acks the earlier copy, which need not be the tail any more.
        if (ack.duplicate) tails.delete(change.environmentId);
        else tails.set(change.environmentId, { streamSeq: ack.seq, seq: change.seq });
        return;
      } catch (err) {
        tails.delete(change.environmentId);
        if (!isWrongLastSequence(err)) throw err;
        tail = await readTail(jsm, subject);
      }
    }
    throw new BusError(
      'CONFLICT',
      `publishing ${change.environmentId} seq ${change.seq} lost ${MAX_ATTEMPTS} races with other publishers`,
    );
  }

  return {
    publish: (change) => guarded('publishing a change', () => append(change)),
    lastPublishedSeq: (environmentId) =>
      guarded('reading the last published seq', async () => {
        const subject = subjects.changes(environmentId);
        const tail = await readTail(session.handles().jsm, subject);
        tails.set(environmentId, tail);
        return tail.seq;
      }),
  };
}
