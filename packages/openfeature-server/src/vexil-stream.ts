import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Logger } from '@vexil/protocol';
import { backoffDelay, retryAfterMs } from './backoff.js';

// The Vexil stream over SSE (docs/protocol.md section 6): `GET /vexil/v1/stream` with the SDK
// key, `put` and `change` events each tagged with the environment seq, resumed with
// `Last-Event-ID: <seq>` so that a reconnect brings only the missed changes.
//
// Failures, as LaunchDarkly's SDKs sort them (docs/protocol.md section 1; upstream js-core
// `errors.ts` `isHttpRecoverable`): 401, 403, 404 and the other 4xx but 400, 408 and 429 are
// permanent, the key is wrong or revoked or the URL is not an edge, so the stream stops for good;
// anything else (503, 429, a refused connection, a stream that ends or stays silent for
// `staleAfterMs`) is retried with exponential backoff and jitter, never sooner than a
// `Retry-After` asks.

export interface StreamOptions {
  readonly url: URL;
  readonly sdkKey: string;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly staleAfterMs: number;
  readonly userAgent: string;
  readonly logger: Logger;
}

export interface StreamHandlers {
  /** The seq to resume from, asked before each connection; undefined for a full `put`. */
  resumeFrom(): number | undefined;
  /**
   * The edge answered 200 (`environmentId` from `X-LD-EnvId`); false drops the connection and
   * reconnects at once (the handler changed what `resumeFrom` answers).
   */
  opened(environmentId: string | undefined, resumed: boolean): boolean;
  event(name: string, data: string): void;
  /** A connection attempt failed or an open connection ended; another attempt follows. */
  failed(error: Error, status: number | undefined): void;
  /** A permanent refusal: no more attempts. */
  refused(status: number, message: string): void;
}

/** Statuses worth retrying (upstream: js-core `isHttpRecoverable`). */
function recoverable(status: number): boolean {
  if (status >= 400 && status < 500) return status === 400 || status === 408 || status === 429;
  return true;
}

/** A backoff resets after a connection delivered events, or stayed open this long. */
const HEALTHY_CONNECTION_MS = 60_000;

class StreamFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

/** The reason an answer gives: its JSON `message` (section 4 bodies), else the start of it. */
async function answerMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

export class VexilStream {
  private controller: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly options: StreamOptions,
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    void this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.controller?.abort();
  }

  private async connect(): Promise<void> {
    const { options, handlers } = this;
    const controller = new AbortController();
    this.controller = controller;
    // Covers the connection attempt and every silence after it: re-armed on each chunk.
    const watchdog = setTimeout(
      () =>
        controller.abort(
          new StreamFailure(`nothing arrived from the edge for ${options.staleAfterMs} ms`),
        ),
      options.staleAfterMs,
    );
    let delay = 0;
    let openedAt: number | undefined;
    let events = 0;
    try {
      const since = handlers.resumeFrom();
      const res = await this.request(since, controller.signal);
      if (res === undefined) return;
      if (handlers.opened(res.headers.get('x-ld-envid') ?? undefined, since !== undefined)) {
        openedAt = Date.now();
        const parser = createParser({
          onEvent: (message: EventSourceMessage) => {
            events++;
            if (message.event !== undefined) handlers.event(message.event, message.data);
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          watchdog.refresh();
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
        throw new StreamFailure('the edge ended the stream');
      }
    } catch (e) {
      if (this.closed) return;
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : e;
      const error = reason instanceof Error ? reason : new Error(String(reason));
      const failure = error instanceof StreamFailure ? error : undefined;
      const healthy =
        openedAt !== undefined && (events > 0 || Date.now() - openedAt >= HEALTHY_CONNECTION_MS);
      if (healthy) this.attempt = 0;
      delay = Math.max(
        backoffDelay(this.attempt++, options.retryMinMs, options.retryMaxMs),
        failure?.retryAfterMs ?? 0,
      );
      options.logger.debug({ err: error, retryInMs: delay }, 'Vexil stream: reconnecting');
      handlers.failed(error, failure?.status);
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /**
   * Opens the stream: the 200 event-stream answer, undefined after a permanent refusal (the
   * stream is then closed), or a StreamFailure to retry.
   */
  private async request(
    since: number | undefined,
    signal: AbortSignal,
  ): Promise<Response | undefined> {
    const { options } = this;
    const headers: Record<string, string> = {
      authorization: options.sdkKey,
      accept: 'text/event-stream',
      'user-agent': options.userAgent,
    };
    if (since !== undefined) headers['last-event-id'] = String(since);
    const res = await fetch(options.url, { headers, signal });
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 200 && res.body !== null && type.startsWith('text/event-stream')) return res;
    const message = await answerMessage(res);
    if (!recoverable(res.status)) {
      this.closed = true;
      this.handlers.refused(res.status, message);
      return undefined;
    }
    const what = res.status === 200 ? `200 with ${type || 'no content type'}` : String(res.status);
    throw new StreamFailure(
      `the edge answered ${what}: ${message}`,
      res.status,
      retryAfterMs(res.headers.get('retry-after')),
    );
  }
}
