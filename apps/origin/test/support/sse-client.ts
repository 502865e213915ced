// A Server-Sent Events reader over fetch, for the event stream tests: it keeps every event it
// parsed, in order, and `next` waits (with a deadline) for the first one not yet taken that
// matches.

export interface SseEvent {
  readonly event: string;
  /** The `id:` field of the event, if it had one. */
  readonly id: string | undefined;
  readonly data: string;
}

export interface SseOpen {
  readonly status: number;
  readonly headers: Headers;
  /** The stream, when the answer was 200. */
  readonly stream?: SseStream;
  /** The parsed JSON body of any other answer. */
  readonly body?: { code?: string; message?: string };
}

export class SseStream {
  private readonly events: SseEvent[] = [];
  private taken = 0;
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array>,
  ) {
    void this.pump(body);
  }

  static async open(url: string, headers: Record<string, string>): Promise<SseOpen> {
    const controller = new AbortController();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    if (res.status !== 200 || res.body === null) {
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text === '' ? {} : (JSON.parse(text) as SseOpen['body'] & object),
      };
    }
    return { status: 200, headers: res.headers, stream: new SseStream(controller, res.body) };
  }

  /** Whether the server ended the stream. */
  get closed(): boolean {
    return this.ended;
  }

  /** Every event parsed so far. */
  get all(): readonly SseEvent[] {
    return this.events;
  }

  /** The next event (after those already taken) that matches; fails after `timeoutMs`. */
  async next(match: (e: SseEvent) => boolean = () => true, timeoutMs = 5_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.taken < this.events.length) {
        const e = this.events[this.taken++]!;
        if (match(e)) return e;
      }
      if (this.ended) throw new Error('the stream ended before the event came');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Waits for the server to end the stream. */
  async end(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error(`the stream did not end within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let text = '';
    let fields: { event?: string; id?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of body) {
        text += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = text.indexOf('\n')) >= 0) {
          const line = text.slice(0, newline).replace(/\r$/, '');
          text = text.slice(newline + 1);
          if (line === '') {
            if (fields.data.length > 0 || fields.event !== undefined)
              this.events.push({
                event: fields.event ?? 'message',
                id: fields.id,
                data: fields.data.join('\n'),
              });
            fields = { data: [] };
            this.wake?.();
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (name === 'event') fields.event = value;
          else if (name === 'id') fields.id = value;
          else if (name === 'data') fields.data.push(value);
        }
      }
    } catch {
      // aborted by close(), or the connection was cut
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }
}
