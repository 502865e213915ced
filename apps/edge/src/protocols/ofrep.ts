import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  isJsonObject,
  openFeatureContext,
  type Context,
  type JsonObject,
  type OpenFeatureContextError,
} from '@vexil/protocol';
import type { EdgeContext } from '../edge-context.js';
import { CredentialError, header, readBody, sendBody, sendJson } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute } from '../http/routes.js';
import type { Credential } from '../state/registry.js';
import { visibleFlag, type Audience } from './client-payload.js';
import { withCors, type CorsOptions } from './cors.js';
import { ofrepEventRoutes, ofrepEventStreams } from './ofrep-events.js';
import { ofrepEvaluate, ofrepFailure } from './ofrep-result.js';
import { verifySecureMode } from './secure-mode.js';

// OpenFeature Remote Evaluation Protocol (docs/protocol.md section 4.6; OFREP OpenAPI,
// open-feature/protocol service/openapi.yaml):
//
//   POST /ofrep/v1/evaluate/flags/{key}   one flag: 200 result, 404 FLAG_NOT_FOUND, 400 failure
//   POST /ofrep/v1/evaluate/flags         every flag: 200 {"flags": [...]} with an ETag, 304 on
//                                         If-None-Match, 400 {errorCode, errorDetails}
//   GET /ofrep/v1/events/{clientSideId}   SSE: refetchEvaluation per change (ofrep-events.ts)
//
// Body `{"context": {...}}` (@vexil/protocol openFeatureContext). Two credentials:
//
//   SDK key (servers, every flag): `Authorization: <key>`, `Authorization: Bearer <key>` or
//     `X-API-Key: <key>`.
//   client-side ID (browsers, the flags available to client-side SDKs, as /sdk/evalx/{envId}):
//     `X-Client-Side-Id: <id>`. A header of its own rather than Authorization, so that which
//     flags a request sees never depends on guessing what kind of credential it sent; the OFREP
//     web provider sends it with its `headers` option. Other flags are FLAG_NOT_FOUND and absent
//     from the bulk list; an unknown ID is 401. In an environment in secure mode, the context's
//     hash comes in `X-Secure-Mode-Hash: <h>` (or `?h=`), as `h` does for evalx (secure-mode.ts).
//
// A bulk answer to a client-side ID offers the environment's event stream in `eventStreams`
// (ofrep-events.ts); an SDK key's gets none, since the stream's URL carries its credential. The
// provider's refetch sends the seq the stream announced as `?flagConfigLastModified=`: an edge
// that is behind it waits for it (up to its ready wait, then 503), as for `X-Vexil-Min-Seq`, so
// that a refetch balanced onto another edge or worker does not answer the state before the
// change. `?flagConfigEtag=` (the same seq) is ignored.
//
// Every answer carries CORS headers and OPTIONS answers the preflight (cors.ts), so that a page
// of any origin can call OFREP with a client-side ID.

type BodyProblem = { errorCode: 'PARSE_ERROR' | OpenFeatureContextError; details: string };

const CLIENT_SIDE_ID = 'x-client-side-id';
const SECURE_MODE_HASH = 'x-secure-mode-hash';
const MAX_CLIENT_SIDE_ID = 256;
/** A seq from a refetchEvaluation message: digits that stay exact in a double. */
const SEQ = /^\d{1,15}$/;

const CORS: CorsOptions = {
  allowHeaders: [
    'Content-Type',
    'Authorization',
    'X-API-Key',
    'If-None-Match',
    'Cache-Control',
    'X-Client-Side-Id',
    'X-Secure-Mode-Hash',
  ],
  // The provider keeps the bulk answer's ETag for If-None-Match, and reads Retry-After on 429.
  exposeHeaders: ['Date', 'ETag', 'Retry-After'],
};

/** Caches must keep answers apart by every header that picks the credential or the origin. */
const VARY = 'Origin, Authorization, X-API-Key, X-Client-Side-Id, X-Secure-Mode-Hash';

interface Caller {
  readonly credential: Credential;
  readonly audience: Audience;
}

async function authenticate(ctx: EdgeContext, req: IncomingMessage): Promise<Caller> {
  const clientSideId = header(req, CLIENT_SIDE_ID)?.trim();
  const apiKey = header(req, 'x-api-key')?.trim();
  const authorization = header(req, 'authorization');
  if (clientSideId !== undefined) {
    if (authorization !== undefined || apiKey !== undefined)
      throw new CredentialError(
        'UNAUTHORIZED',
        'send one credential: X-Client-Side-Id (browsers) or the SDK key (servers), not both',
      );
    if (clientSideId === '' || clientSideId.length > MAX_CLIENT_SIDE_ID || /\s/.test(clientSideId))
      throw new CredentialError(
        'UNAUTHORIZED',
        'send the environment\'s client-side ID as "X-Client-Side-Id: <id>"',
      );
    try {
      return { credential: await ctx.clientSideId(clientSideId, req), audience: 'environment-id' };
    } catch (e) {
      // OFREP says 401 for a credential it does not know (evalx's 404 names a URL that is not).
      if (e instanceof CredentialError && e.code === 'NOT_FOUND')
        throw new CredentialError('UNAUTHORIZED', e.message);
      throw e;
    }
  }
  const credential =
    authorization !== undefined || apiKey === undefined
      ? await ctx.authenticate(req, 'sdk')
      : await ctx.authenticateKey(apiKey, 'sdk');
  return { credential, audience: 'server' };
}

/** Secure mode for a client-side ID's request (a 400 without the context's valid hash). */
function secure(caller: Caller, context: Context, req: IncomingMessage, url: URL): void {
  if (caller.audience !== 'environment-id') return;
  const h = header(req, SECURE_MODE_HASH)?.trim() ?? url.searchParams.get('h');
  verifySecureMode(caller.credential, context, h ?? null);
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
  const result = openFeatureContext(body['context']);
  return result.ok ? result.context : { errorCode: result.errorCode, details: result.details };
}

function isProblem(value: Context | BodyProblem): value is BodyProblem {
  return 'errorCode' in value;
}

/** The seq a refetchEvaluation announced (`?flagConfigLastModified=`), or 0. */
function announcedSeq(url: URL): number {
  const seq = url.searchParams.get('flagConfigLastModified');
  return seq !== null && SEQ.test(seq) ? Number(seq) : 0;
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

  async function single({ req, res, params, url }: EdgeRequest): Promise<void> {
    const key = params['key']!;
    const caller = await authenticate(ctx, req);
    const context = await requestContext(req, limit);
    if (isProblem(context)) {
      const failure = ofrepFailure(key, context.errorCode, context.details);
      sendJson(res, failure.status, failure.body);
      return;
    }
    secure(caller, context, req, url);
    const state = await ctx.readyState(caller.credential.environment.id);
    const count = ctx.metrics?.countEvaluation;
    const result = ofrepEvaluate(state, key, context, caller.audience, count);
    sendJson(res, result.ok ? 200 : result.status, result.body, {
      'cache-control': 'no-store',
      vary: VARY,
    });
  }

  async function bulk({ req, res, url }: EdgeRequest): Promise<void> {
    const caller = await authenticate(ctx, req);
    const context = await requestContext(req, limit);
    if (isProblem(context)) {
      sendJson(res, 400, { errorCode: context.errorCode, errorDetails: context.details });
      return;
    }
    secure(caller, context, req, url);
    const state = await ctx.readyState(caller.credential.environment.id, announcedSeq(url));
    const count = ctx.metrics?.countEvaluation;
    const flags: JsonObject[] = [];
    for (const [key, item] of state.flags) {
      if (item.deleted) continue;
      // A client-side ID lists only the flags available to it.
      if (caller.audience !== 'server' && visibleFlag(item, caller.audience) === undefined)
        continue;
      flags.push(ofrepEvaluate(state, key, context, caller.audience, count).body);
    }
    const answer: JsonObject = { flags };
    if (caller.audience === 'environment-id')
      answer['eventStreams'] = ofrepEventStreams(caller.credential.id);
    const body = JSON.stringify(answer);
    // The ETag names the content, so it changes only when some result for this context does (or
    // the stream offered: a 304 has no body, and the provider keeps the eventStreams it had).
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    const headers = { etag, 'cache-control': 'no-cache', vary: VARY };
    if (matches(header(req, 'if-none-match'), etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendBody(res, 200, body, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  }

  return [
    ...withCors('/ofrep/v1/evaluate/flags/{key}', { POST: single }, CORS),
    ...withCors('/ofrep/v1/evaluate/flags', { POST: bulk }, CORS),
    ...ofrepEventRoutes(ctx),
  ];
}
