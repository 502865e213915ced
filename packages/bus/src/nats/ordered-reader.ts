import {
  DeliverPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { backoffDelay, pause } from './backoff.js';
import type { Logger } from '@vexil/protocol';
import type { Session } from './session.js';

// Reads one subject of a stream in order, for as long as it is open, across reconnects, server
// restarts and cluster failovers. Each pass uses the client's ordered consumer (an ephemeral,
// in-memory, unacknowledged consumer that the client recreates from its cursor when a delivery
// sequence skips). Around it this loop keeps its own cursor (the stream sequence after the last
// message delivered) and starts a new pass from there whenever the client's gives up or stalls,
// so nothing is delivered twice and nothing is skipped that the stream still holds.

export interface ReaderOptions {
  readonly stream: string;
  readonly subject: string;
  /** Where the first pass starts: a stream sequence, or `last` (the subject's last message). */
  start(jsm: JetStreamManager): Promise<number | 'last'>;
  /** Called in stream order; must not throw (a throw is logged and the message skipped). */
  onMessage(msg: JsMsg): void;
  readonly heartbeatMs: number;
  readonly logger: Logger;
}

export interface Reader {
  /** Stops delivery at once; resolves when the server-side consumer is deleted (best effort). */
  stop(): Promise<void>;
}

/**
 * Heartbeats a consumer may miss, while connected, before the pass is abandoned: e.g. its node
 * died and the client's own recovery waits for a node that may not come back.
 */
const STALL_HEARTBEATS = 4;
/** A pass that ran this long was healthy: the next failure starts the backoff over. */
const HEALTHY_PASS_MS = 30_000;

export function startReader(session: Session, r: ReaderOptions): Reader {
  const stopping = new AbortController();
  const signal = AbortSignal.any([stopping.signal, session.closing]);
  const context = { stream: r.stream, subject: r.subject };
  let next: number | 'last' | undefined;
  let current: { consumer: Consumer; messages: ConsumerMessages } | undefined;
  let lastActivity = Date.now();

  const deliver = (msg: JsMsg) => {
    if (signal.aborted) return;
    lastActivity = Date.now();
    next = msg.seq + 1;
    try {
      r.onMessage(msg);
    } catch (err) {
      r.logger.warn({ err, ...context, streamSeq: msg.seq }, 'a bus subscriber threw');
    }
  };

  // The client's heartbeat monitor pauses while it recovers after a reconnect, which can wait
  // indefinitely for a consumer on a dead node; this watchdog does not.
  const watchdog = setInterval(() => {
    if (!session.connected) lastActivity = Date.now();
    else if (Date.now() - lastActivity > STALL_HEARTBEATS * r.heartbeatMs && current) {
      r.logger.warn({ ...context, next }, 'bus subscription stalled; recreating its consumer');
      current.messages.stop();
    }
  }, r.heartbeatMs);
  watchdog.unref();
  signal.addEventListener('abort', () => clearInterval(watchdog), { once: true });

  async function watch(messages: ConsumerMessages): Promise<void> {
    for await (const n of messages.status()) {
      if (n.type === 'heartbeat') lastActivity = Date.now();
      else if (n.type !== 'next' && n.type !== 'heartbeats_missed')
        r.logger.debug({ ...context, notification: n }, 'bus consumer notification');
    }
  }

  async function pass(): Promise<void> {
    const { js, jsm } = await session.ready(signal);
    next ??= await r.start(jsm);
    const consumer = await js.consumers.get(
      r.stream,
      next === 'last'
        ? { filter_subjects: r.subject, deliver_policy: DeliverPolicy.Last }
        : { filter_subjects: r.subject, opt_start_seq: next },
    );
    if (signal.aborted) {
      await consumer.delete().catch(() => false);
      return;
    }
    const messages = await consumer
      .consume({
        callback: deliver,
        max_messages: 256,
        expires: r.heartbeatMs * 6,
        idle_heartbeat: r.heartbeatMs,
      })
      .catch(async (err: unknown) => {
        await consumer.delete().catch(() => false);
        throw err;
      });
    current = { consumer, messages };
    lastActivity = Date.now();
    if (signal.aborted) messages.stop();
    void watch(messages);
    const err = await messages.closed();
    if (current?.messages === messages) current = undefined;
    // The consumer is ephemeral (the server drops it after 5 idle minutes); delete it now.
    void consumer.delete().catch(() => false);
    if (err !== undefined && err !== null)
      r.logger.warn({ err, ...context }, 'bus consumer stopped; starting a new one');
  }

  void (async () => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const started = Date.now();
      try {
        await pass();
      } catch (err) {
        if (!signal.aborted)
          r.logger.warn({ err, ...context }, 'bus subscription failed; retrying');
      }
      if (Date.now() - started > HEALTHY_PASS_MS) attempt = 0;
      // Capped by the heartbeat: how fast subscriptions react is one knob, and a fleet of them
      // retrying during a cluster election stays spread out.
      await pause(backoffDelay(attempt, 100, 2 * r.heartbeatMs), signal);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      const c = current;
      current = undefined;
      if (c === undefined) return;
      c.messages.stop();
      if (session.connected) await c.consumer.delete().catch(() => false);
    },
  };
}

/**
 * A reader of `subject` from the stream's end: every message published after `started`
 * resolves (the moment its start is fixed, before its consumer exists) is delivered.
 */
export function startReaderFromEnd(
  session: Session,
  r: Omit<ReaderOptions, 'start'>,
): { reader: Reader; started: Promise<void> } {
  let fixed!: () => void;
  const started = new Promise<void>((resolve) => (fixed = resolve));
  const reader = startReader(session, {
    ...r,
    async start(jsm) {
      const info = await jsm.streams.info(r.stream);
      fixed();
      return info.state.last_seq + 1;
    },
  });
  return { reader, started };
}
