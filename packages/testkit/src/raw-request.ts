import { Agent, request } from 'node:http';
import fc from 'fast-check';

// One HTTP request exactly as written: the path is sent unnormalised (`..`, `%2F`, `%00` reach the
// server as they are, which fetch would not allow), any method, any headers, any body bytes. For
// the hostile-input suites: every answer comes back with its time, and a server that does not
// answer within the deadline is reported as a hang rather than waited on.

export interface RawRequest {
  readonly method: string;
  /** The request target: path and query, already encoded as it should travel. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** Milliseconds from sending to the end of the answer. */
  readonly ms: number;
}

/** Keep-alive, so that thousands of generated requests do not each cost a connection. */
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends `req` to `baseUrl`; rejects when no complete answer arrives within `deadlineMs`. */
export function rawRequest(
  baseUrl: string,
  req: RawRequest,
  deadlineMs = 5_000,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const outgoing = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          // A request that asks for chunked framing gets it; both framings at once would be
          // refused by this client before any server saw them.
          ...(body === undefined || req.headers?.['transfer-encoding'] !== undefined
            ? {}
            : { 'content-length': String(body.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          });
        };
        // A stream never ends: its first event is its answer, then it is hung up on.
        const stream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (stream) {
            done();
            res.destroy();
          }
        });
        res.on('error', (e) => (stream ? undefined : reject(e)));
        res.on('end', done);
      },
    );
    // A WebSocket accepted (101): the upgrade is the answer; the socket is closed at once.
    outgoing.on('upgrade', (res, socket) => {
      socket.destroy();
      clearTimeout(timer);
      resolve({
        status: res.statusCode ?? 101,
        headers: res.headers,
        text: '',
        ms: performance.now() - started,
      });
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`no answer to ${req.method} ${req.path.slice(0, 200)} in ${deadlineMs} ms`));
    }, deadlineMs);
    outgoing.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    outgoing.end(body);
  });
}

/**
 * Problems with an answer to a hostile request: a 5xx, or a 4xx without a JSON error body that
 * says what was wrong (`{"code", "message"}`; OFREP's `{"errorCode", "errorDetails"}`).
 */
export function answerProblems(res: RawResponse): string[] {
  if (res.status >= 500) return [`status ${res.status}: ${res.text.slice(0, 500)}`];
  if (res.status < 400) return [];
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [`status ${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`];
  }
  const b = (body ?? {}) as Record<string, unknown>;
  const said = (code: string, message: string) =>
    typeof b[code] === 'string' && typeof b[message] === 'string';
  return said('code', 'message') || said('errorCode', 'errorDetails')
    ? []
    : [`status ${res.status} without {code, message}: ${res.text.slice(0, 200)}`];
}

/**
 * Percent-encodes text for a URL path or query; a lone surrogate as its WTF-8 bytes (which
 * encodeURIComponent refuses to write), so that the server receives what no UTF-8 decoder takes.
 */
export function encodePathText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** The request as fast-check prints it: long strings cut, so a shrunk counterexample is readable. */
export function printable(req: RawRequest): RawRequest {
  const cut = (_key: string, v: unknown) =>
    typeof v === 'string' && v.length > 120
      ? `${v.slice(0, 60)}…(${v.length} chars)`
      : v instanceof Uint8Array
        ? `<${v.length} bytes>`
        : v;
  return { ...req, [fc.toStringMethod]: () => JSON.stringify(req, cut) } as RawRequest;
}
