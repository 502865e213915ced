import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { until } from './edge-server.js';

// Records a whole SSE stream: every event in order (with its `id`), the comment lines
// (heartbeats) and whether the server ended the stream, so a test can wait for any of them.

export interface RecordedSse {
  readonly status: number;
  readonly headers: Headers;
  readonly events: EventSourceMessage[];
  readonly comments: number;
  /** The server ended the stream (or close() was called). */
  readonly ended: boolean;
  /** Resolves with the events once there are at least `count`; fails after `ms`. */
  waitFor(count: number, ms?: number): Promise<EventSourceMessage[]>;
  waitForEnd(ms?: number): Promise<void>;
  close(): void;
}

export async function recordSse(
  url: string,
  headers: Record<string, string>,
): Promise<RecordedSse> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: EventSourceMessage[] = [];
  let comments = 0;
  let ended = false;
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onComment: () => comments++,
  });
  if (response.body === null) ended = true;
  else {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Aborted by close(), or the connection was cut.
      } finally {
        ended = true;
      }
    })();
  }
  return {
    status: response.status,
    headers: response.headers,
    events,
    get comments() {
      return comments;
    },
    get ended() {
      return ended;
    },
    async waitFor(count, ms = 5_000) {
      await until(() => events.length >= count, ms, `${count} SSE event(s) from ${url}`);
      return events;
    },
    async waitForEnd(ms = 5_000) {
      await until(() => ended, ms, `the end of the stream ${url}`);
    },
    close() {
      abort.abort();
    },
  };
}

/** Parses SSE text (a recorded response body) into its events. */
export function parseSse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}
