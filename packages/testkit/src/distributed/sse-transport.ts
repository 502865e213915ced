import { get } from 'node:http';

// How an SSE client opens a stream and reads its text. `fetch` is what most JavaScript clients
// use; `node:http` costs a fraction of the CPU per chunk (no web streams, no promise per read),
// which matters when one process holds a thousand streams and a benchmark measures the last one.

export interface SseResponse {
  readonly status: number;
  /** Feeds the body's text to `onText` until the server ends it; rejects when it breaks. */
  read(onText: (text: string) => void): Promise<void>;
  /** Drops the body of a refused request. */
  discard(): Promise<void>;
}

export type SseTransport = (
  url: URL,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<SseResponse>;

export const fetchTransport: SseTransport = async (url, headers, signal) => {
  const res = await fetch(url, { headers, signal });
  return {
    status: res.status,
    async read(onText) {
      if (res.body === null) return;
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        onText(decoder.decode(value, { stream: true }));
      }
    },
    async discard() {
      await res.body?.cancel().catch(() => undefined);
    },
  };
};

export const httpTransport: SseTransport = (url, headers, signal) =>
  new Promise((resolve, reject) => {
    const req = get(url, { headers, signal }, (res) => {
      req.off('error', reject);
      // After the response, a broken connection is reported by `res` (closed before its end).
      req.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        read(onText) {
          return new Promise((done, fail) => {
            let thrown: unknown;
            res.setEncoding('utf8');
            res.on('data', (text: string) => {
              try {
                onText(text);
              } catch (e) {
                thrown = e;
                res.destroy();
              }
            });
            // A stream without framing ends with its connection, so `complete` is also true
            // when we cut it ourselves: the abort signal says which it was.
            res.once('close', () => {
              if (thrown !== undefined) fail(thrown);
              else if (signal.aborted) fail(signal.reason);
              else if (res.complete) done();
              else fail(new Error('the connection was lost'));
            });
          });
        },
        async discard() {
          res.destroy();
        },
      });
    });
    req.once('error', reject);
  });
