import type { JsMsg } from '@nats-io/jetstream';
import type { Change, Logger } from '@vexil/protocol';
import type { SubscribeOptions, Subscription } from '../change-bus.js';
import { backoffDelay, pause } from './backoff.js';
import { decodeChange } from './codec.js';
import { startReader, startReaderFromEnd, type Reader } from './ordered-reader.js';
import { replayStart } from './replay-start.js';
import type { Session } from './session.js';
import type { Subjects } from './subjects.js';

// Every environment a process subscribes to is read through ONE consumer on the change stream
// (`<prefix>.changes.*`, from the moment it starts): a process holding 10,000 environments
// costs the bus one consumer, one heartbeat and one pull loop, not 10,000. A new subscription
// first catches up on its own subject (a short-lived consumer from its `afterSeq`, through the
// subject's last message when it subscribed) while the shared tail buffers its messages, then
// switches to the tail. The shared tail's start is fixed before any subscription reads its
// subject's last message, so every message is in the catch-up, the tail, or both (the
// subscription drops seqs it has already delivered): none is skipped.

export interface ChangeSubscriptionsOptions {
  readonly stream: string;
  readonly heartbeatMs: number;
  readonly logger: Logger;
}

interface Subscriber {
  readonly environmentId: string;
  readonly onChange: (change: Change) => void;
  /** The last Vexil seq delivered: anything at or below it is a duplicate. */
  last: number;
  /** Tail messages held while catching up; undefined once live. */
  buffer: Change[] | undefined;
  catchUp: Reader | undefined;
  closed: boolean;
  /** Resolves the subscription's `ready`. */
  live: () => void;
}

export interface ChangeSubscriptions {
  subscribe(options: SubscribeOptions, onChange: (change: Change) => void): Subscription;
  /** Every environment's changes from now on: a consumer of its own on the whole stream. */
  watchAll(onChange: (change: Change) => void): Subscription;
  close(): Promise<void>;
}

export function createChangeSubscriptions(
  session: Session,
  subjects: Subjects,
  o: ChangeSubscriptionsOptions,
): ChangeSubscriptions {
  const byEnvironment = new Map<string, Set<Subscriber>>();
  const watchers = new Set<Reader>();
  const prefix = subjects.allChanges.slice(0, -1);
  let tail: { reader: Reader; started: Promise<void> } | undefined;

  const deliver = (s: Subscriber, change: Change) => {
    if (s.closed || change.seq <= s.last) return;
    s.last = change.seq;
    s.onChange(change);
  };

  const decode = (msg: JsMsg): Change | undefined => {
    const change = decodeChange(msg.data);
    if (change === undefined)
      o.logger.warn(
        { subject: msg.subject, streamSeq: msg.seq },
        'skipping a message that is not a change',
      );
    return change;
  };

  function startTail(): { reader: Reader; started: Promise<void> } {
    return startReaderFromEnd(session, {
      stream: o.stream,
      subject: subjects.allChanges,
      heartbeatMs: o.heartbeatMs,
      logger: o.logger,
      onMessage(msg) {
        const subscribers = byEnvironment.get(msg.subject.slice(prefix.length));
        if (subscribers === undefined) return;
        const change = decode(msg);
        if (change === undefined) return;
        for (const s of subscribers) {
          if (s.buffer === undefined) deliver(s, change);
          else s.buffer.push(change);
        }
      },
    });
  }

  function goLive(s: Subscriber): void {
    void s.catchUp?.stop();
    s.catchUp = undefined;
    const buffered = s.buffer ?? [];
    s.buffer = undefined;
    for (const change of buffered) deliver(s, change);
    s.live();
  }

  /** Catches up on the subject from `afterSeq` through its last message now, then goes live. */
  async function begin(s: Subscriber, afterSeq: number | undefined): Promise<void> {
    const subject = subjects.changes(s.environmentId);
    const signal = session.closing;
    for (let attempt = 0; !s.closed && !signal.aborted; attempt++) {
      try {
        await tail!.started;
        const { jsm } = await session.ready(signal);
        const last = await jsm.streams.getMessage(o.stream, { last_by_subj: subject });
        const lastSeq = last === null ? 0 : (decodeChange(last.data)?.seq ?? 0);
        if (afterSeq === undefined) s.last = Math.max(s.last, lastSeq);
        if (last === null || lastSeq <= s.last) return goLive(s);
        const through = last.seq;
        s.catchUp = startReader(session, {
          stream: o.stream,
          subject,
          heartbeatMs: o.heartbeatMs,
          logger: o.logger,
          start: (j) => replayStart(j, o.stream, subject, afterSeq),
          onMessage(msg) {
            const change = decode(msg);
            if (change !== undefined) deliver(s, change);
            if (msg.seq >= through && s.buffer !== undefined) goLive(s);
          },
        });
        return;
      } catch (err) {
        if (!s.closed && !signal.aborted)
          o.logger.warn({ err, subject }, 'bus subscription could not start; retrying');
        await pause(backoffDelay(attempt, 100, 2 * o.heartbeatMs), signal);
      }
    }
  }

  return {
    subscribe({ environmentId, afterSeq }, onChange) {
      subjects.changes(environmentId); // rejects an id that cannot be a subject token
      let live!: () => void;
      const ready = new Promise<void>((resolve) => (live = resolve));
      const s: Subscriber = {
        environmentId,
        onChange,
        last: afterSeq ?? 0,
        buffer: [],
        catchUp: undefined,
        closed: false,
        live,
      };
      let subscribers = byEnvironment.get(environmentId);
      if (subscribers === undefined) byEnvironment.set(environmentId, (subscribers = new Set()));
      subscribers.add(s);
      tail ??= startTail();
      void begin(s, afterSeq);
      return {
        ready,
        close() {
          if (s.closed) return;
          s.closed = true;
          void s.catchUp?.stop();
          const set = byEnvironment.get(environmentId);
          set?.delete(s);
          if (set?.size === 0) byEnvironment.delete(environmentId);
          if (byEnvironment.size === 0 && tail !== undefined) {
            void tail.reader.stop();
            tail = undefined;
          }
        },
      };
    },
    watchAll(onChange) {
      const { reader, started } = startReaderFromEnd(session, {
        stream: o.stream,
        subject: subjects.allChanges,
        heartbeatMs: o.heartbeatMs,
        logger: o.logger,
        onMessage(msg) {
          const change = decode(msg);
          if (change !== undefined) onChange(change);
        },
      });
      watchers.add(reader);
      return {
        ready: started,
        close() {
          if (watchers.delete(reader)) void reader.stop();
        },
      };
    },
    async close() {
      const stopping = [...watchers].map((reader) => reader.stop());
      watchers.clear();
      for (const set of byEnvironment.values())
        for (const s of set) {
          s.closed = true;
          if (s.catchUp !== undefined) stopping.push(s.catchUp.stop());
        }
      byEnvironment.clear();
      if (tail !== undefined) stopping.push(tail.reader.stop());
      tail = undefined;
      await Promise.allSettled(stopping);
    },
  };
}
