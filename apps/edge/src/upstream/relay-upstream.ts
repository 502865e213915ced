import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Change, Directory, EnvironmentSnapshot, Logger } from '@vexil/protocol';
import type { Upstream, UpstreamSink } from './upstream.js';

export interface RelayUpstreamOptions {
  /** The upstream Vexil node (an edge, or an origin, which serves the same feed). */
  readonly url: string;
  /** An API token with the `edge` role. */
  readonly token: string;
  readonly logger: Logger;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. Default 90 s. */
  readonly readTimeoutMs?: number;
}

/**
 * Relay mode: the edge chains to another Vexil node over its relay feed (docs/protocol.md
 * section 7) instead of the bus, like the LaunchDarkly Relay Proxy inside a customer network.
 * It resumes with the seq it holds per environment, so a reconnect costs only the missed
 * changes; a gap (never expected) reconnects, and the upstream then sends a full `put`.
 */
export function relayUpstream(options: RelayUpstreamOptions): Upstream {
  const { logger } = options;
  const readTimeout = options.readTimeoutMs ?? 90_000;
  const seqs = new Map<string, number>();
  let sink: UpstreamSink | undefined;
  let controller: AbortController | undefined;
  let closed = false;
  let attempt = 0;
  let up = false;
  let retry: NodeJS.Timeout | undefined;

  const setUp = (value: boolean, error?: unknown) => {
    if (value !== up) {
      up = value;
      sink?.connected(value, error);
    }
  };

  function onEvent(message: EventSourceMessage): 'ok' | 'resync' {
    const s = sink!;
    switch (message.event) {
      case 'directory': {
        const directory = JSON.parse(message.data) as Directory;
        const known = new Set(directory.environments.map((e) => e.id));
        for (const id of seqs.keys()) if (!known.has(id)) seqs.delete(id);
        s.directory(directory);
        return 'ok';
      }
      case 'put': {
        const snapshot = JSON.parse(message.data) as EnvironmentSnapshot;
        s.snapshot(snapshot);
        seqs.set(snapshot.environmentId, snapshot.seq);
        return 'ok';
      }
      case 'change': {
        const change = JSON.parse(message.data) as Change;
        const result = s.change(change);
        if (result === 'applied') seqs.set(change.environmentId, change.seq);
        return result === 'gap' ? 'resync' : 'ok';
      }
      default:
        return 'ok';
    }
  }

  async function connect(): Promise<void> {
    controller = new AbortController();
    const since = [...seqs].map(([id, seq]) => `${id}:${seq}`).join(',');
    const url = new URL('/vexil/v1/relay', options.url);
    if (since !== '') url.searchParams.set('since', since);
    let watchdog: NodeJS.Timeout | undefined;
    const abort = controller;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => abort.abort(new Error(`no data from the upstream for ${readTimeout} ms`)),
        readTimeout,
      );
    };
    try {
      arm();
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || res.body === null)
        throw new Error(`the upstream answered ${res.status} ${await res.text()}`);
      let resync = false;
      const parser = createParser({
        onEvent: (message) => {
          if (!resync && onEvent(message) === 'resync') resync = true;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        parser.feed(decoder.decode(chunk, { stream: true }));
        setUp(true);
        attempt = 0;
        if (resync) {
          logger.warn({ upstream: options.url }, 'gap in the relay feed; reconnecting to resync');
          abort.abort();
          break;
        }
      }
      if (!resync) throw new Error('the upstream closed the feed');
    } catch (err) {
      if (closed) return;
      setUp(false, err);
      logger.warn({ err, upstream: options.url }, 'relay feed lost; reconnecting');
    } finally {
      clearTimeout(watchdog);
    }
    if (closed) return;
    // Backoff with jitter, 0.5 s doubling to 30 s; immediately after a deliberate resync.
    const delay =
      attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    attempt++;
    retry = setTimeout(() => void connect(), delay);
  }

  return {
    async start(s) {
      sink = s;
      s.connected(false);
      void connect();
    },
    want() {
      // The relay feed carries every environment.
    },
    drop(environmentId) {
      seqs.delete(environmentId);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      controller?.abort();
    },
  };
}
