import { createParser } from 'eventsource-parser';
import type { Logger } from '@vexil/protocol';

// The synthetic probe (docs/slo.md, propagation SLI): a real client of this edge that measures
// write -> received end to end. Every interval it writes a new value into a canary flag through
// the REST API and times how long the change takes to reach its own stream on this edge, over
// the same path as every SDK: API, store, outbox, bus, edge, SSE.

export interface ProbeOptions {
  /** This edge, as SDKs reach it (loopback). */
  readonly edgeUrl: string;
  /** The origin's REST API. */
  readonly apiUrl: string;
  /** An API token with the writer role, for the canary project only. */
  readonly token: string;
  readonly project: string;
  readonly environment: string;
  readonly flag: string;
  /** Distinguishes this probe's writes from other edges' probes on the same canary flag. */
  readonly probeId: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onSample: (seconds: number) => void;
  readonly onFailure: (reason: string) => void;
  readonly logger: Logger;
}

export interface Probe {
  stop(): void;
}

export function startProbe(options: ProbeOptions): Probe {
  const { logger } = options;
  const waiting = new Map<string, (at: number) => void>();
  let stopped = false;
  let stream: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let counter = 0;

  const api = (path: string, init: RequestInit = {}) =>
    fetch(
      new URL(`/api/v1/projects/${encodeURIComponent(options.project)}${path}`, options.apiUrl),
      {
        ...init,
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
        signal: AbortSignal.timeout(options.timeoutMs),
      },
    );

  async function ensureCanary(): Promise<string> {
    const env = await api(`/environments/${encodeURIComponent(options.environment)}`);
    if (!env.ok) throw new Error(`canary environment: the API answered ${env.status}`);
    const { sdkKey } = (await env.json()) as { sdkKey: string };
    const flag = await api(`/flags/${encodeURIComponent(options.flag)}`);
    if (flag.status === 404) {
      const created = await api('/flags', {
        method: 'POST',
        body: JSON.stringify({
          key: options.flag,
          name: 'Propagation probe canary',
          description: 'Written by the edges’ synthetic probes; do not use in applications.',
          tags: ['vexil-probe'],
          temporary: false,
          variations: [{ value: 'probe' }, { value: 'off' }],
          environments: { [options.environment]: { on: true } },
        }),
      });
      if (!created.ok && created.status !== 409)
        throw new Error(`canary flag: the API answered ${created.status}`);
    } else if (!flag.ok) {
      throw new Error(`canary flag: the API answered ${flag.status}`);
    }
    return sdkKey;
  }

  /** Follows the canary flag on this edge's FDv1 stream; reconnects until stopped. */
  async function follow(sdkKey: string): Promise<void> {
    while (!stopped) {
      stream = new AbortController();
      try {
        const res = await fetch(new URL('/all', options.edgeUrl), {
          headers: { authorization: sdkKey },
          signal: stream.signal,
        });
        if (!res.ok || res.body === null) throw new Error(`the edge answered ${res.status}`);
        const parser = createParser({
          onEvent: (event) => {
            if (event.event !== 'patch') return;
            const { path, data } = JSON.parse(event.data) as {
              path: string;
              data: { variations?: unknown[] };
            };
            const value = data.variations?.[0];
            if (path === `/flags/${options.flag}` && typeof value === 'string')
              waiting.get(value)?.(performance.now());
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (err) {
        if (!stopped) logger.debug({ err }, 'probe stream ended; reconnecting');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async function measure(): Promise<void> {
    const nonce = `${options.probeId}:${++counter}:${Date.now()}`;
    const received = new Promise<number | undefined>((resolve) => {
      const giveUp = setTimeout(() => resolve(undefined), options.timeoutMs);
      waiting.set(nonce, (at) => {
        clearTimeout(giveUp);
        resolve(at);
      });
    });
    const sent = performance.now();
    try {
      const res = await api(`/flags/${encodeURIComponent(options.flag)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'replace', path: '/variations/0/value', value: nonce }]),
      });
      if (!res.ok) throw new Error(`the API answered ${res.status}`);
      const at = await received;
      if (at === undefined) options.onFailure('timeout');
      else options.onSample((at - sent) / 1000);
    } catch (err) {
      options.onFailure('write');
      logger.warn({ err }, 'probe write failed');
    } finally {
      waiting.delete(nonce);
    }
  }

  void (async () => {
    try {
      const sdkKey = await ensureCanary();
      void follow(sdkKey);
      const tick = () => {
        if (stopped) return;
        void measure().finally(() => {
          if (!stopped) timer = setTimeout(tick, options.intervalMs);
        });
      };
      timer = setTimeout(tick, options.intervalMs);
    } catch (err) {
      options.onFailure('setup');
      logger.error({ err }, 'the propagation probe could not start; check --probe and its token');
    }
  })();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      stream?.abort();
    },
  };
}
