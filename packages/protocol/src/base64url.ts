import { parseContext, type Context } from './context.js';
import { validationError } from './errors.js';
import type { Result } from './result.js';

// Contexts travel in URLs as base64url(JSON) (RFC 4648 section 5, docs/protocol.md section 3).
// JavaScript SDKs strip the padding; other clients keep it or use the standard alphabet, so the
// decoder accepts all of those.

declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean },
) => { decode(input: Uint8Array): string };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE['+'.charCodeAt(0)] = 62;
DECODE['/'.charCodeAt(0)] = 63;

export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes padded or unpadded base64url (or standard base64); undefined if malformed. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  let end = text.length;
  while (end > 0 && text[end - 1] === '=') end--;
  if (end % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? DECODE[code]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function encodeContextBase64Url(json: unknown): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(json)));
}

/** Decodes a context from a URL path segment: base64url, then UTF-8 JSON, then validation. */
export function decodeContextBase64Url(text: string): Result<Context> {
  const bytes = decodeBase64Url(text);
  if (bytes === undefined) {
    return {
      ok: false,
      error: validationError(
        'INVALID_ENCODING',
        '',
        'the context in the URL is not valid base64url',
      ),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return {
      ok: false,
      error: validationError(
        'INVALID_ENCODING',
        '',
        'the context in the URL does not decode to UTF-8 JSON; send base64url(JSON.stringify(context))',
      ),
    };
  }
  return parseContext(json);
}
