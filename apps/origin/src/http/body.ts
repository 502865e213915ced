import type { IncomingMessage } from 'node:http';
import { jsonDepth, MAX_JSON_DEPTH } from '@vexil/protocol';
import { ApiError } from './api-error.js';

/**
 * Reads a request body up to `limit` bytes. A larger body is refused with 413 as soon as the
 * limit is crossed (without buffering the rest), and the connection is closed after the reply.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // The client went away mid-body: its answer, not a server error.
    throw new ApiError('INVALID_JSON', 'the request body ended before it was complete');
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    'PAYLOAD_TOO_LARGE',
    `the request body is larger than the ${limit}-byte limit for this route`,
  );
}

/** Parses a JSON body, requiring a JSON content type. */
export function parseJsonBody(
  req: IncomingMessage,
  body: Buffer,
  mediaTypes: readonly string[],
): unknown {
  if (body.length === 0) {
    throw new ApiError(
      'INVALID_JSON',
      `the request body is empty; send a JSON document with Content-Type: ${mediaTypes[0] ?? 'application/json'}`,
    );
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!mediaTypes.includes(type)) {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as ${mediaTypes.join(' or ')} (Content-Type was ${type === '' ? 'missing' : `"${type}"`})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ApiError('INVALID_JSON', `the request body is not valid JSON: ${reason}`);
  }
  assertStorable(parsed, 'the request body');
  return parsed;
}

/**
 * Refuses what could be stored but not served or edited later, the same at every entry point
 * (request bodies, patched documents, in-process calls): nesting deeper than MAX_JSON_DEPTH.
 * Its text, too: see assertStorableText.
 */
export function assertStorable(value: unknown, what: string): void {
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are accepted`,
    );
  }
  const problem = unstorableMember(value);
  if (problem !== undefined) throw new ApiError('VALIDATION_FAILED', `${what}: ${problem}`);
}

/** U+0000, or a surrogate that is not half of a pair: text no UTF-8 column holds. */
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- U+0000 is what is refused
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses text the store cannot hold: PostgreSQL's text and jsonb take neither U+0000 nor a lone
 * surrogate (both are an error there, so a 500), and SQLite would keep what PostgreSQL refuses,
 * so one store's data could not move to the other. `what` names the path or query parameter.
 */
export function assertStorableText(text: string, what: string): void {
  if (UNSTORABLE_TEXT.test(text)) throw new ApiError('VALIDATION_FAILED', `${what}: ${TEXT_RULE}`);
}

const TEXT_RULE =
  'contains U+0000 or an unpaired UTF-16 surrogate, which cannot be stored; send well-formed Unicode text without NUL characters';

/**
 * The first member of a parsed JSON value (a key, a string or a number) that cannot be stored
 * as sent, named by its path: text as assertStorableText refuses, or a number JSON.parse made
 * infinite (1e400), which would be stored as null. Walked without recursion, like jsonDepth;
 * paths are spelled out only for the member found, since an import may hold millions.
 */
function unstorableMember(value: unknown): string | undefined {
  interface Container {
    readonly value: object;
    readonly parent: Container | undefined;
    readonly key: string | number;
  }
  const pathOf = (c: Container | undefined, key?: string | number): string => {
    const keys: (string | number)[] = key === undefined ? [] : [key];
    for (let at = c; at !== undefined && at.parent !== undefined; at = at.parent)
      keys.unshift(at.key);
    return keys.reduce<string>(
      (path, k) => (typeof k === 'number' ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`),
      '',
    );
  };
  const problem = (member: unknown): string | undefined => {
    if (typeof member === 'string') return UNSTORABLE_TEXT.test(member) ? TEXT_RULE : undefined;
    if (typeof member === 'number' && !Number.isFinite(member))
      return 'is a number beyond the range of a double (about ±1.8e308)';
    return undefined;
  };
  const top = problem(value);
  if (top !== undefined) return `the value ${top}`;
  if (typeof value !== 'object' || value === null) return undefined;
  const pending: Container[] = [{ value, parent: undefined, key: '' }];
  while (pending.length > 0) {
    const container = pending.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(container.value)
      ? container.value.map((item, i) => [i, item])
      : Object.entries(container.value);
    for (const [key, member] of entries) {
      if (typeof key === 'string' && UNSTORABLE_TEXT.test(key))
        return `a key in ${pathOf(container) || 'the value'} ${TEXT_RULE}`;
      const found = problem(member);
      if (found !== undefined) return `${pathOf(container, key)} ${found}`;
      if (typeof member === 'object' && member !== null)
        pending.push({ value: member, parent: container, key });
    }
  }
  return undefined;
}
