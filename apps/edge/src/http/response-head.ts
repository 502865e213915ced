import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';

// Response heads written straight to a socket (stream responses, and the lean path's error
// answers), byte for byte what node:http writes for the same status and headers: the headers
// in the order given, then `Date`, then `Connection`. A stream response has neither a length
// nor chunked framing (its body ends with the connection), and node:http still says
// `Connection: keep-alive` with its keep-alive timeout there; SDKs have always seen that.

let cachedSecond = -1;
let cachedDate = '';

/** The HTTP-date of `nowMs` (RFC 9110 section 5.6.7), computed once per second. */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}

/** What node:http's default keep-alive timeout (5 s) makes it announce. */
const KEEP_ALIVE = 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n';
const CLOSE = 'Connection: close\r\n\r\n';

export function responseHead(
  status: number,
  headers: OutgoingHttpHeaders,
  nowMs: number,
  connection: 'keep-alive' | 'close',
): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.toLowerCase() === 'connection') continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    // Values are ours or request headers the reader validated; a line break would split the head.
    if (/[\r\n\0]/.test(text)) throw new Error(`header ${name} has a line break or NUL`);
    head += `${name}: ${text}\r\n`;
  }
  return `${head}Date: ${httpDate(nowMs)}\r\n${connection === 'close' ? CLOSE : KEEP_ALIVE}`;
}
