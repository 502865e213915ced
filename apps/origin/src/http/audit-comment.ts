import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { NewAuditEntry, StoreTransaction } from '@vexil/store';
import { ApiError } from './api-error.js';

// Why a change was made: every write request may carry a comment in the X-Vexil-Comment header,
// and every audit entry the request writes records it. A header rather than a body field
// because the writes' bodies differ (a JSON Patch is an array, a DELETE has none): one header
// fits every write route, and the routes themselves need not know about it. The request's
// comment travels with its async context (AsyncLocalStorage) from the API handler to `write`
// (api/deps.ts), whose transaction adds it to each appendAudit.

export const COMMENT_HEADER = 'x-vexil-comment';

/** Characters, after decoding; the audit log shows comments whole. */
export const MAX_COMMENT_LENGTH = 500;

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
 * embedding, override and isolate marks, which could make an audit entry read as something else.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const REFUSED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const comments = new AsyncLocalStorage<string | undefined>();

function invalid(message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', `X-Vexil-Comment ${message}`);
}

/**
 * The comment a header value carries: percent-encoded UTF-8 (what encodeURIComponent writes), so
 * any language fits an HTTP header. Blank is no comment; anything else that is not a short line
 * of text is a 400 that says why.
 */
export function parseComment(raw: string): string | undefined {
  // Node reads header bytes as Latin-1: anything past ASCII was sent unencoded.
  if (/[^\x20-\x7e]/.test(raw)) {
    throw invalid(
      'must be ASCII: percent-encode the comment as UTF-8, as encodeURIComponent does (é is %C3%A9)',
    );
  }
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw invalid(
      'is not valid percent-encoded UTF-8: write "%" as %25, and encode other characters as encodeURIComponent does',
    );
  }
  text = text.trim();
  if (text === '') return undefined;
  const length = [...text].length;
  if (length > MAX_COMMENT_LENGTH) {
    throw invalid(
      `is ${length} characters long; a comment may have at most ${MAX_COMMENT_LENGTH} (say why, in a line or two)`,
    );
  }
  const refused = REFUSED.exec(text);
  if (refused !== null) {
    const code = refused[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw invalid(
      `contains U+${code}, a control or layout character; send one paragraph of plain text (no line breaks or tabs)`,
    );
  }
  return text;
}

/** The request's comment: undefined without the header (or on reads, which record nothing). */
export function requestComment(req: IncomingMessage): string | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const values = req.headersDistinct[COMMENT_HEADER];
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw invalid('was sent more than once; send one comment per request');
  return parseComment(values[0]!);
}

/** Runs `work` (a request's handler) with `comment` as the comment of its audit entries. */
export function withComment<T>(comment: string | undefined, work: () => T): T {
  return comments.run(comment, work);
}

/** The comment of the request being handled, if it has one. */
export function currentComment(): string | undefined {
  return comments.getStore();
}

/**
 * `tx`, adding the current request's comment to every audit entry it appends (an entry that
 * carries its own comment keeps it).
 */
export function commentingTransaction(tx: StoreTransaction): StoreTransaction {
  const comment = currentComment();
  if (comment === undefined) return tx;
  const appendAudit = (entry: NewAuditEntry) =>
    tx.appendAudit(entry.comment === undefined ? { ...entry, comment } : entry);
  return new Proxy(tx, {
    get(target, property) {
      if (property === 'appendAudit') return appendAudit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
