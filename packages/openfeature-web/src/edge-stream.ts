import type { Logger } from '@vexil/protocol';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Backoff } from './backoff.js';
import { parseDelete, parseFlagMap, parsePatch, type EvaluatedFlag } from './evaluated-flags.js';
import { failureOf, transient, type StreamFailure } from './stream-failure.js';

// The edge's client-side stream for one context (docs/protocol.md section 4.4), read with fetch
// and a streaming body rather than EventSource: EventSource hides the status of a refused
// connection, and this client must tell an unknown client-side ID (stop for good) and a wrong
// secure-mode hash (stop for this context) from an edge that is down or busy (retry). A stream
// that goes silent, heartbeats included, for `staleAfterMs` is taken for dead and reopened.

export interface StreamListener {
  put(flags: Map<string, EvaluatedFlag>): void;
  patch(key: string, flag: EvaluatedFlag): void;
  remove(key: string, version: number): void;
  /** A failed attempt or a dropped stream; after a permanent failure the stream has stopped. */
  failed(failure: StreamFailure): void;
}

export interface StreamSettings {
  /** The URL of each attempt (the secure-mode hash may come from the customer's backend). */
  readonly url: () => Promise<string>;
  readonly baseUrl: string;
  readonly clientSideId: string;
  readonly staleAfterMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly logger: Logger;
}

/** An error's message, with its cause's (Node's fetch says only "fetch failed" without it). */
function messageOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
}

export class EdgeStream {
  private closed = false;
  private controller: AbortController | undefined;
  /** Ends the wait before a reconnect early, on close. */
  private wake: (() => void) | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly settings: StreamSettings,
    private readonly listener: StreamListener,
  ) {
    this.backoff = new Backoff(settings.retryMinMs, settings.retryMaxMs);
  }

  start(): void {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.controller?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const failure = await this.attempt();
      if (this.closed) return;
      this.listener.failed(failure);
      if (failure.kind !== 'transient') return;
      await this.pause(this.backoff.next(Date.now(), failure.retryAfterMs));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One connection, from the request to its end; resolves with why it ended. */
  private async attempt(): Promise<StreamFailure> {
    const { staleAfterMs, baseUrl } = this.settings;
    const controller = new AbortController();
    this.controller = controller;
    let ended: StreamFailure | undefined;
    const end = (failure: StreamFailure) => {
      ended ??= failure;
      controller.abort();
    };
    // One watchdog for the attempt and the stream: an edge that accepts the connection and
    // never answers is as dead as a stream that stopped sending.
    let answered = false;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        const what = answered ? 'nothing from the edge' : `no answer from ${baseUrl}`;
        end(transient(`${what} for ${staleAfterMs} ms, not even a heartbeat`));
      }, staleAfterMs);
    };
    let url: string;
    try {
      url = await this.settings.url();
    } catch (e) {
      return transient(`the secure-mode hash function failed: ${messageOf(e)}`);
    }
    if (this.closed) return transient('closed');
    heard();
    try {
      const res = await fetch(url, {
        signal: controller.signal,
        // A simple CORS request: no preflight, no cookies.
        headers: { accept: 'text/event-stream' },
        credentials: 'omit',
        cache: 'no-store',
      });
      answered = true;
      if (!res.ok) return await failureOf(res, this.settings);
      const type = res.headers.get('content-type') ?? '';
      if (res.body === null || !type.startsWith('text/event-stream')) {
        void res.body?.cancel().catch(() => undefined);
        return transient(`${baseUrl} answered ${type || 'no content type'}, not a stream`);
      }
      return await this.read(res.body, heard, end, () => ended);
    } catch (e) {
      if (ended !== undefined) return ended;
      return transient(
        answered
          ? `the stream broke: ${messageOf(e)}`
          : `${baseUrl} is unreachable: ${messageOf(e)}`,
      );
    } finally {
      clearTimeout(silence);
    }
  }

  private async read(
    body: ReadableStream<Uint8Array>,
    heard: () => void,
    end: (failure: StreamFailure) => void,
    ended: () => StreamFailure | undefined,
  ): Promise<StreamFailure> {
    const parser = createParser({
      onEvent: (event) => {
        if (ended() !== undefined) return;
        const problem = this.dispatch(event);
        if (problem !== undefined) end(transient(problem));
      },
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return ended() ?? transient('the edge closed the stream');
        heard();
        parser.feed(decoder.decode(value, { stream: true }));
        const failure = ended();
        if (failure !== undefined) return failure;
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  /** Hands one event to the listener; returns what is wrong with it, if anything. */
  private dispatch(event: EventSourceMessage): string | undefined {
    switch (event.event) {
      case 'put': {
        const put = parseFlagMap(event.data);
        if (put === undefined) return 'a put event whose data is not a JSON object';
        if (put.skipped.length > 0)
          this.settings.logger.warn(
            { flags: put.skipped },
            'vexil-web: left out results of the wrong shape',
          );
        this.backoff.connected(Date.now());
        return this.deliver(() => this.listener.put(put.flags));
      }
      case 'patch': {
        const patch = parsePatch(event.data);
        if (patch === undefined) return `a malformed patch event: ${event.data.slice(0, 200)}`;
        return this.deliver(() => this.listener.patch(patch.key, patch.flag));
      }
      case 'delete': {
        const gone = parseDelete(event.data);
        if (gone === undefined) return `a malformed delete event: ${event.data.slice(0, 200)}`;
        return this.deliver(() => this.listener.remove(gone.key, gone.version));
      }
      default:
        // Events this client does not know are for newer clients.
        return undefined;
    }
  }

  /** A listener's exception is a bug to log, not a reason to reconnect. */
  private deliver(handle: () => void): undefined {
    try {
      handle();
    } catch (e) {
      this.settings.logger.error({ err: e }, 'vexil-web: an event handler failed');
    }
    return undefined;
  }
}
