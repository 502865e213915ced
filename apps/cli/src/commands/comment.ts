import { usageError } from '../cli-error.js';
import type { OptionSpec } from '../args.js';

// `--comment <text>`: why a change is made. Every command that changes something takes it (a
// command marked `writes`); the API client sends it with each write request in the
// X-Vexil-Comment header (percent-encoded UTF-8), and the audit entry keeps it.

export const COMMENT_OPTION: OptionSpec = { comment: { type: 'string' } };

export const COMMENT_USAGE = '[--comment <text>]';

/** The API's limit (apps/origin/src/http/audit-comment.ts), in characters. */
const MAX_LENGTH = 500;

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const REFUSED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * `--comment` checked as the API checks it, so a mistake is a usage error naming the option:
 * blank is no comment; at most 500 characters, one paragraph without control characters.
 */
export function parseCommentOption(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  const length = [...text].length;
  if (length > MAX_LENGTH) {
    throw usageError(`--comment is ${length} characters long; at most ${MAX_LENGTH} are kept`);
  }
  if (REFUSED.test(text)) {
    throw usageError(
      '--comment must be one paragraph of plain text, without line breaks, tabs or other control characters',
    );
  }
  return text;
}

/** The header that carries `comment` on a write request. */
export function commentHeader(comment: string | undefined): Record<string, string> {
  return comment === undefined ? {} : { 'x-vexil-comment': encodeURIComponent(comment) };
}
