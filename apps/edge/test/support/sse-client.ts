import { createParser, type EventSourceMessage } from 'eventsource-parser';

// A test's SSE client: opens a stream with fetch (any method, any headers, a body for REPORT)
// and queues the parsed events, so a test can await the next one with a deadline.

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next event, or a failure after `ms`. */
  next(ms?: number): Promise<EventSourceMessage>;
  /** Whether the server ended the stream within `ms`. */
  ended(ms?: number): Promise<boolean>;
  close(): void;
}

export async function openSse(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'text/event-stream', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: abort.signal,
  });
  const queue: EventSourceMessage[] = [];
  let wake: (() => void) | undefined;
  const parser = createParser({
    onEvent(event) {
      queue.push(event);
      wake?.();
    },
  });
  let end: Promise<void> = Promise.resolve();
  if (response.ok && response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    end = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          parser.feed(value);
        }
      } catch {
        // Aborted by close(), or the server ended the stream.
      }
    })();
  }
  const waitForEvent = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (queue.length > 0) return resolve(true);
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });
  return {
    status: response.status,
    headers: response.headers,
    async next(ms = 5_000) {
      if (!(await waitForEvent(ms))) throw new Error(`no SSE event within ${ms} ms from ${url}`);
      return queue.shift()!;
    },
    async ended(ms = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      const result = await Promise.race([end.then(() => true as const), late]);
      clearTimeout(timer);
      return result;
    },
    close() {
      abort.abort();
    },
  };
}
