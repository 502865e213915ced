import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { describeConnectFailure } from './auth.js';
import { backoffDelay, pause } from './backoff.js';
import { BusError } from '../errors.js';
import type { ResolvedOptions } from './options.js';

// The connection and the streams behind it. The first connection is retried here rather than
// with the client's `waitOnFirstConnect`: a pending `connect()` cannot be cancelled, so a bus
// closed while NATS is down would keep the process alive. Once connected, the client itself
// reconnects forever (`maxReconnectAttempts: -1`) and resubscribes.

export interface JetStreamHandles {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export interface Session {
  readonly connected: boolean;
  /** Why the session is not connected with its streams set up; undefined when it is. */
  readonly problem: string | undefined;
  /** For operations that fail fast: the handles now, or a BusError UNAVAILABLE / CLOSED. */
  handles(): JetStreamHandles;
  /**
   * For subscriptions: waits until connected with the streams set up; rejects once the bus
   * closes or `signal` aborts.
   */
  ready(signal?: AbortSignal): Promise<JetStreamHandles>;
  /** A stream went missing (deleted, or a server that lost its storage): set them up again. */
  setUpAgain(): void;
  onStatus(listener: (connected: boolean) => void): () => void;
  /** Aborts when the bus closes; long waits listen to it. */
  readonly closing: AbortSignal;
  close(): Promise<void>;
}

export function openSession(
  o: ResolvedOptions,
  setUp: (jsm: JetStreamManager) => Promise<void>,
): Session {
  const logger = o.logger;
  const abort = new AbortController();
  const listeners = new Set<(connected: boolean) => void>();
  interface Waiter {
    resolve(h: JetStreamHandles): void;
    reject(err: Error): void;
  }
  let waiters: Waiter[] = [];
  let nc: NatsConnection | undefined;
  let handles: JetStreamHandles | undefined;
  let connected = false;
  let settingUp = false;
  let lastError: unknown;
  let problem: string | undefined = 'connecting to NATS';
  const clientCertificate = o.tls?.cert !== undefined || o.tls?.certFile !== undefined;

  const setConnected = (value: boolean) => {
    if (value === connected) return;
    connected = value;
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        logger.warn({ err }, 'a bus status listener threw');
      }
    }
    if (value && handles === undefined) void setUpLoop();
  };

  const connectionOptions: ConnectionOptions = {
    servers: o.servers,
    name: o.name,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectTimeWaitMs,
    // A fleet of edges must not reconnect in lockstep after a server restart.
    reconnectJitter: Math.round(o.reconnectTimeWaitMs / 2),
    reconnectJitterTLS: Math.round(o.reconnectTimeWaitMs / 2),
    pingInterval: o.pingIntervalMs,
    maxPingOut: 3,
    timeout: o.requestTimeoutMs,
    ...o.auth,
    ...(o.tls === undefined ? {} : { tls: o.tls }),
  };

  async function connectLoop(): Promise<void> {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        const conn = await connect(connectionOptions);
        if (abort.signal.aborted) {
          await conn.close();
          return;
        }
        nc = conn;
        problem = 'connected to NATS; setting up its streams';
        logger.info({ server: conn.getServer() }, 'connected to NATS');
        void watchStatus(conn);
        setConnected(true);
        return;
      } catch (err) {
        lastError = err;
        problem = describeConnectFailure(err, clientCertificate);
        const delay = backoffDelay(attempt, 250, o.reconnectTimeWaitMs);
        logger.warn(
          { err, reason: problem, servers: o.servers, retryInMs: delay },
          'cannot connect to NATS',
        );
        await pause(delay, abort.signal);
      }
    }
  }

  async function watchStatus(conn: NatsConnection): Promise<void> {
    for await (const s of conn.status()) {
      if (s.type === 'disconnect') {
        logger.warn({ server: s.server }, 'disconnected from NATS; reconnecting');
        problem = `disconnected from NATS (${s.server}); reconnecting`;
        setConnected(false);
      } else if (s.type === 'reconnect') {
        logger.info({ server: s.server }, 'reconnected to NATS');
        setConnected(true);
      } else if (s.type === 'error') {
        // While reconnecting, a server that refuses the credentials or the certificate says so here.
        if (!connected) problem = describeConnectFailure(s.error, clientCertificate);
        logger.warn({ err: s.error }, 'NATS reported an error');
      }
    }
    setConnected(false);
    if (abort.signal.aborted) return;
    // The client gave up on this connection (e.g. authorization kept failing): start over.
    logger.error({ err: await conn.closed() }, 'the NATS connection closed; connecting again');
    handles = undefined;
    nc = undefined;
    void connectLoop();
  }

  async function setUpLoop(): Promise<void> {
    if (settingUp) return;
    settingUp = true;
    try {
      for (let attempt = 0; handles === undefined && !abort.signal.aborted; attempt++) {
        const conn = nc;
        if (conn === undefined || !connected) return;
        try {
          const jsm = await jetstreamManager(conn, { timeout: o.requestTimeoutMs });
          await setUp(jsm);
          handles = { js: jetstream(conn, { timeout: o.requestTimeoutMs }), jsm };
          lastError = undefined;
          problem = undefined;
          const ready = waiters;
          waiters = [];
          for (const w of ready) w.resolve(handles);
        } catch (err) {
          lastError = err;
          problem = `cannot set up the NATS streams: ${(err as Error).message}`;
          const delay = backoffDelay(attempt, 250, o.reconnectTimeWaitMs);
          logger.warn({ err, retryInMs: delay }, 'cannot set up the NATS streams');
          await pause(delay, abort.signal);
        }
      }
    } finally {
      settingUp = false;
    }
  }

  const closed = () => new BusError('CLOSED', 'the NATS bus is closed');

  void connectLoop();

  return {
    get connected() {
      return connected;
    },
    get problem() {
      if (connected && handles !== undefined) return undefined;
      return problem ?? 'connecting to NATS';
    },
    handles() {
      if (abort.signal.aborted) throw closed();
      if (!connected || handles === undefined)
        throw new BusError(
          'UNAVAILABLE',
          `NATS is not available (${o.servers.join(', ')}); try again later`,
          { cause: lastError },
        );
      return handles;
    },
    ready(signal) {
      if (abort.signal.aborted || signal?.aborted === true) return Promise.reject(closed());
      if (handles !== undefined) return Promise.resolve(handles);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(closed());
        };
        const waiter: Waiter = {
          resolve(h) {
            signal?.removeEventListener('abort', onAbort);
            resolve(h);
          },
          reject(err) {
            signal?.removeEventListener('abort', onAbort);
            reject(err);
          },
        };
        waiters.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    setUpAgain() {
      handles = undefined;
      if (connected) void setUpLoop();
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    closing: abort.signal,
    async close() {
      if (abort.signal.aborted) return;
      abort.abort();
      for (const w of waiters) w.reject(closed());
      waiters = [];
      listeners.clear();
      const conn = nc;
      if (conn === undefined) return;
      // Drain delivers what is in flight and flushes; a dead connection can only be closed.
      if (connected) await conn.drain().catch(() => conn.close());
      else await conn.close();
      connected = false;
    },
  };
}
