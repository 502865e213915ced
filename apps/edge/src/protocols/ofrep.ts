import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, JsonObject } from '@vexil/protocol';
import { isJsonObject } from '@vexil/protocol';
import type { EdgeContext } from '../edge-context.js';
import { header, readBody, sendBody, sendJson } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute } from '../http/routes.js';
import type { Credential } from '../state/registry.js';
import { ofrepContext, type OfrepContextError } from './ofrep-context.js';
import { ofrepEvaluate, ofrepFailure } from './ofrep-result.js';

// OpenFeature Remote Evaluation Protocol (docs/protocol.md section 4.6; OFREP OpenAPI,
// open-feature/protocol service/openapi.yaml):
//
//   POST /ofrep/v1/evaluate/flags/{key}   one flag: 200 result, 404 FLAG_NOT_FOUND, 400 failure
//   POST /ofrep/v1/evaluate/flags         every flag: 200 {"flags": [...]} with an ETag, 304 on
//                                         If-None-Match, 400 {errorCode, errorDetails}
//
// Body `{"context": {...}}` (ofrep-context.ts). The SDK key authenticates, as
// `Authorization: <key>`, `Authorization: Bearer <key>` or `X-API-Key: <key>`.

type BodyProblem = { errorCode: 'PARSE_ERROR' | OfrepContextError; details: string };

function authenticate(ctx: EdgeContext, req: IncomingMessage): Promise<Credential> {
  const apiKey = header(req, 'x-api-key')?.trim();
  if (header(req, 'authorization') !== undefined || apiKey === undefined)
    return ctx.authenticate(req, 'sdk');
  return ctx.authenticateKey(apiKey, 'sdk');
}

/** The request's context, or the OFREP error code that says what is wrong with the body. */
async function requestContext(req: IncomingMessage, limit: number): Promise<Context | BodyProblem> {
  const text = (await readBody(req, limit)).toString('utf8');
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return { errorCode: 'PARSE_ERROR', details: `the request body is not valid JSON: ${why}` };
    }
  }
  if (!isJsonObject(body)) {
    return { errorCode: 'PARSE_ERROR', details: 'send a JSON object {"context": {...}}' };
  }
  const result = ofrepContext(body['context']);
  return result.ok ? result.context : { errorCode: result.errorCode, details: result.details };
}

function isProblem(value: Context | BodyProblem): value is BodyProblem {
  return 'errorCode' in value;
}

/** If-None-Match: a list of entity tags, weak or strong, or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

export function ofrepRoutes(ctx: EdgeContext): EdgeRoute[] {
  const limit = ctx.options.maxContextBodyBytes;

  async function single({ req, res, params }: EdgeRequest): Promise<void> {
    const key = params['key']!;
    const credential = await authenticate(ctx, req);
    const context = await requestContext(req, limit);
    if (isProblem(context)) {
      const failure = ofrepFailure(key, context.errorCode, context.details);
      sendJson(res, failure.status, failure.body);
      return;
    }
    const state = await ctx.readyState(credential.environment.id);
    const result = ofrepEvaluate(state, key, context, ctx.metrics?.countEvaluation);
    sendJson(res, result.ok ? 200 : result.status, result.body, { 'cache-control': 'no-store' });
  }

  async function bulk({ req, res }: EdgeRequest): Promise<void> {
    const credential = await authenticate(ctx, req);
    const context = await requestContext(req, limit);
    if (isProblem(context)) {
      sendJson(res, 400, { errorCode: context.errorCode, errorDetails: context.details });
      return;
    }
    const state = await ctx.readyState(credential.environment.id);
    const flags: JsonObject[] = [];
    for (const [key, item] of state.flags)
      if (!item.deleted)
        flags.push(ofrepEvaluate(state, key, context, ctx.metrics?.countEvaluation).body);
    const body = JSON.stringify({ flags });
    // The ETag names the content, so it changes only when some result for this context does.
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    const headers = { etag, 'cache-control': 'no-cache', vary: 'Authorization, X-API-Key' };
    if (matches(header(req, 'if-none-match'), etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendBody(res, 200, body, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  }

  return [
    { method: 'POST', path: '/ofrep/v1/evaluate/flags/{key}', handle: single },
    { method: 'POST', path: '/ofrep/v1/evaluate/flags', handle: bulk },
  ];
}
