import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { decodeChange } from './codec.js';

// A subscriber names a Vexil seq; the stream counts its own sequence across all environments.
// On one environment's subject the Vexil seqs increase with the stream sequence (the writer's
// compare-and-set guarantees it), so the first message after `afterSeq` is found by binary
// search over stream sequences with "first message on this subject at or after p" probes:
// O(log n) small reads instead of replaying the whole window. The common case, a subscriber
// that is up to date, takes one read. Any doubt resolves to an earlier start, never a later
// one: the subscription skips seqs it has already delivered, so starting early is only waste.

async function nextOnSubject(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  from: number,
): Promise<StoredMsg | null> {
  // next_by_subj is served by STREAM.MSG.GET since nats-server 2.9; the client's type lacks it.
  const query = { seq: from, next_by_subj: subject } as unknown as { seq: number };
  return jsm.streams.getMessage(stream, query);
}

const seqOf = (m: StoredMsg): number => decodeChange(m.data)?.seq ?? 0;

/**
 * The stream sequence where a consumer filtered on `subject` should start so that the first
 * change it delivers is the first with seq > `afterSeq` (or `undefined`: only changes published
 * from now on).
 */
export async function replayStart(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  afterSeq: number | undefined,
): Promise<number> {
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (last === null) return 1;
  if (afterSeq === undefined || seqOf(last) <= afterSeq) return last.seq + 1;
  const first = await nextOnSubject(jsm, stream, subject, 1);
  if (first === null || seqOf(first) > afterSeq) return first?.seq ?? 1;
  // The smallest p in (first, last] whose next message on the subject has seq > afterSeq; every
  // p below `low` is known not to, and `answer` is the next message from `high`.
  let low = first.seq + 1;
  let high = last.seq;
  let answer = last.seq;
  while (low < high) {
    const mid = low + Math.floor((high - low) / 2);
    const m = await nextOnSubject(jsm, stream, subject, mid);
    if (m === null) return low;
    if (seqOf(m) > afterSeq) {
      high = mid;
      answer = m.seq;
    } else {
      low = Math.min(m.seq + 1, high);
    }
  }
  return answer;
}
