import type { IncomingHttpHeaders } from 'node:http';

// A strict, bounded reader of one HTTP/1.1 request head (RFC 9112 sections 2-5), for the lean
// stream path (front-door.ts). It recognises a strict subset of HTTP: a request line of token,
// origin-form target and HTTP/1.0 or 1.1, CRLF line ends, token header names, header values of
// visible characters, no obs-fold. Anything else is `other` and goes to node:http unchanged,
// which answers it as it always has: this reader only decides which requests may skip it. What it
// enforces itself is what buffering needs: a head that does not end within `maxHeadBytes` is
// `too-large`, and the caller bounds the time to a complete head. It never throws, and it holds
// at most `maxHeadBytes` plus one chunk.

export interface RequestLimits {
  /** The request line (method, target, version), without its CRLF. */
  readonly maxRequestLineBytes: number;
  /** The whole head: request line, header lines and the blank line. */
  readonly maxHeadBytes: number;
  readonly maxHeaders: number;
  /** From the connection's first byte to its complete head (enforced by the front door). */
  readonly headTimeoutMs: number;
}

/** Node's own limits: 16 KiB of head (`--max-http-header-size`); fewer headers than its 2,000. */
export const defaultRequestLimits: RequestLimits = {
  maxRequestLineBytes: 8 * 1024,
  maxHeadBytes: 16 * 1024,
  maxHeaders: 64,
  headTimeoutMs: 10_000,
};

export interface RequestHead {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** Lower-case names; repeated headers combined as node:http combines them. */
  readonly headers: IncomingHttpHeaders;
}

export type ReadResult =
  | { readonly kind: 'more' }
  | { readonly kind: 'head'; readonly head: RequestHead }
  /** Not in the strict subset (or not HTTP/1.x at all): node:http gets every byte read. */
  | { readonly kind: 'other' }
  | { readonly kind: 'too-large' };

const MORE: ReadResult = { kind: 'more' };
const OTHER: ReadResult = { kind: 'other' };
const TOO_LARGE: ReadResult = { kind: 'too-large' };

const CR = 13;
const LF = 10;

/** RFC 9110 section 5.6.2 tchar. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** Headers node:http keeps only the first of (IncomingMessage#_addHeaderLine). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * Reads one request head from the chunks of a connection. `buffered` returns every byte pushed
 * so far (for handing the connection to node:http); after a `head` result, bytes after the head
 * are ignored (a stream request has no body).
 */
export class RequestReader {
  /** The first chunk as received, or a copy of every chunk once there are several. */
  private buffer: Buffer | undefined;
  private owned = false;
  private length = 0;

  constructor(private readonly limits: RequestLimits) {}

  /** Every byte pushed so far. */
  buffered(): Buffer {
    return this.buffer === undefined ? Buffer.alloc(0) : this.buffer.subarray(0, this.length);
  }

  /** Bytes held: at most `maxHeadBytes` plus the last chunk. */
  get size(): number {
    return this.length;
  }

  push(chunk: Buffer): ReadResult {
    if (this.length >= this.limits.maxHeadBytes) return TOO_LARGE;
    const from = Math.max(0, this.length - 3);
    this.append(chunk);
    const bytes = this.buffer!;
    const end = bytes.subarray(0, this.length).indexOf('\r\n\r\n', from);
    if (end >= 0 && end + 4 <= this.limits.maxHeadBytes)
      return parseHead(bytes.toString('latin1', 0, end), this.limits);
    // A bare LF is outside the subset: node:http decides what it means, at once.
    if (hasBareLf(bytes, from, this.length)) return OTHER;
    return this.length >= this.limits.maxHeadBytes ? TOO_LARGE : MORE;
  }

  private append(chunk: Buffer): void {
    if (this.buffer === undefined) {
      this.buffer = chunk;
      this.length = chunk.length;
      return;
    }
    const needed = this.length + chunk.length;
    if (!this.owned || this.buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.limits.maxHeadBytes, 1024)));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
      this.owned = true;
    }
    chunk.copy(this.buffer, this.length);
    this.length = needed;
  }
}

function hasBareLf(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (bytes[i] === LF && (i === 0 || bytes[i - 1] !== CR)) return true;
  }
  return false;
}

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (TOKEN[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Field values: visible characters, obs-text, space and tab (RFC 9110 section 5.5). */
function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Origin-form targets: visible ASCII, starting with "/" (RFC 9112 section 3.2.1). */
function isOriginForm(text: string): boolean {
  if (text.charCodeAt(0) !== 0x2f) return false;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function parseHead(text: string, limits: RequestLimits): ReadResult {
  const lines = text.split('\r\n');
  // A client may send empty lines before the request line (RFC 9112 section 2.2).
  let first = 0;
  while (first < lines.length - 1 && lines[first] === '') first++;
  const requestLine = lines[first]!;
  if (requestLine.length > limits.maxRequestLineBytes) return OTHER;
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) return OTHER;
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const protocol = requestLine.slice(sp2 + 1);
  if (!isToken(method) || !isOriginForm(target)) return OTHER;
  if (protocol !== 'HTTP/1.1' && protocol !== 'HTTP/1.0') return OTHER;
  if (lines.length - first - 1 > limits.maxHeaders) return OTHER;
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return OTHER;
    const name = line.slice(0, colon);
    if (!isToken(name)) return OTHER;
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!isFieldValue(value)) return OTHER;
    const key = name.toLowerCase();
    const previous = headers[key];
    if (previous === undefined) headers[key] = value;
    else if (!FIRST_WINS.has(key))
      headers[key] = `${previous}${key === 'cookie' ? '; ' : ', '}${value}`;
  }
  return {
    kind: 'head',
    head: { method, target, version: protocol === 'HTTP/1.1' ? '1.1' : '1.0', headers },
  };
}
