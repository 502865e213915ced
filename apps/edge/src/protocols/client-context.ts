import type { IncomingMessage } from 'node:http';
import { decodeContextBase64Url, parseContext, type Context, type Result } from '@vexil/protocol';
import { EdgeError, readJson } from '../http/respond.js';

// The evaluation context of a client-side request (docs/protocol.md section 3): base64url JSON
// in the last path segment for GET, the JSON body for REPORT. Either way an invalid one is 400
// with the validation message naming the field, as Relay answers (docs/protocol.md section 4.4).

function required(result: Result<Context>, where: string): Context {
  if (result.ok) return result.value;
  const { code, message } = result.error;
  throw new EdgeError(
    'BAD_REQUEST',
    code === 'INVALID_ENCODING'
      ? `${message} (${where})`
      : `invalid evaluation context in ${where}: ${message}`,
  );
}

export function contextFromPath(encoded: string): Context {
  return required(decodeContextBase64Url(encoded), 'the URL');
}

/** REPORT: the context JSON is the body (415 without a JSON content type, 413 when too big). */
export async function contextFromBody(req: IncomingMessage, limit: number): Promise<Context> {
  return contextFromJson(await readJson(req, limit));
}

/** A REPORT body already read as JSON. */
export function contextFromJson(json: unknown): Context {
  return required(parseContext(json), 'the request body');
}
