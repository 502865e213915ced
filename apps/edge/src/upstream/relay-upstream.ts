import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Change, DirectoryRecord, EnvironmentSnapshot, Logger } from '@vexil/protocol';
import type { Upstream, UpstreamSink } from './upstream.js';

export interface RelayUpstreamOptions {
  /** The upstream Vexil node (an edge, or an origin, which serves the same feed). */
  readonly url: string;
  /** An API token with the `edge` role. */
  readonly token: string;
  readonly logger: Logger;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. Default 90 s. */
  readonly readTimeoutMs?: number;
  /** Per lookup or snapshot request. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

/**
 * Relay mode: the edge chains to another Vexil node over its relay feed (docs/protocol.md
 * section 7) instead of the bus, like the LaunchDarkly Relay Proxy inside a customer network.
 * Directory keys are looked up, and each environment a client asks for is loaded, with a GET to
 * the upstream; the feed then brings directory updates and the changes of every environment
 * the upstream holds, of which this edge keeps those it loaded. A gap reloads that environment.
 * The feed resumes with the seq this edge holds per environment, so a reconnect costs only the
 * missed changes; the directory cache is checked again after each reconnect.
 */
export function relayUpstream(options: RelayUpstreamOptions): Upstream {
  const { logger } = options;
  const readTimeout = options.readTimeoutMs ?? 90_000;
  /** Environments this edge holds or is loading, with the seq it has (absent while loading). */
  const wanted = new Set<string>();
  const seqs = new Map<string, number>();
  const retries = new Map<string, NodeJS.Timeout>();
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

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, options.url), {
      headers: { authorization: `Bearer ${options.token}`, ...headers },
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
    });

  function apply(snapshot: EnvironmentSnapshot): void {
    if (!wanted.has(snapshot.environmentId)) return;
    sink!.snapshot(snapshot);
    seqs.set(snapshot.environmentId, snapshot.seq);
  }

  async function load(environmentId: string, failures = 0): Promise<void> {
    clearTimeout(retries.get(environmentId));
    retries.delete(environmentId);
    try {
      const res = await get(`/vexil/v1/relay/environments/${encodeURIComponent(environmentId)}`);
      if (res.status === 404) {
        wanted.delete(environmentId);
        return;
      }
      if (!res.ok) throw new Error(`the upstream answered ${res.status} ${await res.text()}`);
      apply((await res.json()) as EnvironmentSnapshot);
    } catch (err) {
      if (closed || !wanted.has(environmentId)) return;
      const delay = Math.min(500 * 2 ** failures, 10_000);
      logger.warn(
        { err, environmentId, retryInMs: delay },
        'loading from the relay upstream failed',
      );
      retries.set(
        environmentId,
        setTimeout(() => void load(environmentId, failures + 1), delay),
      );
    }
  }

  function onEvent(message: EventSourceMessage): void {
    const s = sink!;
    switch (message.event) {
      case 'live':
        // Updates from here on reach this edge; what it cached before may have changed unheard.
        s.directoryLive();
        break;
      case 'directory':
        s.directory(JSON.parse(message.data) as DirectoryRecord);
        break;
      case 'put':
        apply(JSON.parse(message.data) as EnvironmentSnapshot);
        break;
      case 'change': {
        const change = JSON.parse(message.data) as Change;
        if (!seqs.has(change.environmentId)) break;
        const result = s.change(change);
        if (result === 'applied') seqs.set(change.environmentId, change.seq);
        else if (result === 'gap') {
          logger.warn({ environmentId: change.environmentId }, 'gap in the relay feed; reloading');
          seqs.delete(change.environmentId);
          void load(change.environmentId);
        }
        break;
      }
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
      setUp(true);
      attempt = 0;
      const parser = createParser({ onEvent });
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      throw new Error('the upstream closed the feed');
    } catch (err) {
      if (closed) return;
      setUp(false, err);
      logger.warn({ err, upstream: options.url }, 'relay feed lost; reconnecting');
    } finally {
      clearTimeout(watchdog);
    }
    if (closed) return;
    // Backoff with jitter, 0.5 s doubling to 30 s.
    const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    retry = setTimeout(() => void connect(), delay);
  }

  return {
    async start(s) {
      sink = s;
      s.connected(false);
      void connect();
    },
    async lookup(key, minRevision) {
      const res = await get(
        `/vexil/v1/relay/directory/${encodeURIComponent(key)}`,
        minRevision > 0 ? { 'x-vexil-min-revision': String(minRevision) } : {},
      );
      if (!res.ok) throw new Error(`the upstream answered ${res.status} ${await res.text()}`);
      return (await res.json()) as DirectoryRecord;
    },
    want(environmentId) {
      if (wanted.has(environmentId) || closed) return;
      wanted.add(environmentId);
      void load(environmentId);
    },
    drop(environmentId) {
      wanted.delete(environmentId);
      seqs.delete(environmentId);
      clearTimeout(retries.get(environmentId));
      retries.delete(environmentId);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      for (const timer of retries.values()) clearTimeout(timer);
      controller?.abort();
    },
  };
}
