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
  assertShallow(parsed, 'the request body');
  return parsed;
}

/** Refuses a value nested deeper than MAX_JSON_DEPTH: nothing stored may be uneditable later. */
export function assertShallow(value: unknown, what: string): void {
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are accepted`,
    );
  }
}
