import type { Context } from '@vexil/protocol';
import { minimums, type EdgeContext } from '../edge-context.js';
import { sendJson } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute, StreamRequest, StreamRoute } from '../http/routes.js';
import type { Credential } from '../state/registry.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { cdnHeaders } from './cdn-headers.js';
import { evaluateAll, evaluatedMapText, type Audience } from './client-payload.js';
import { contextFromBody, contextFromJson, contextFromPath } from './client-context.js';
import { ClientStreams } from './client-streams.js';
import { withCors } from './cors.js';
import { verifySecureMode } from './secure-mode.js';
import { sseEvent, sseHeaders } from './sse.js';

// LaunchDarkly's client-side endpoints (docs/protocol.md section 4.4), in three families by
// credential:
//
//   client-side ID in the path (browsers, CORS): /sdk/evalx/{envId}/..., /eval/{envId}, /ping/{envId}
//   mobile key:                                   /msdk/evalx/..., /meval, /mping
//   SDK key (Relay's server-side evalx):          /sdk/evalx/contexts/{ctx}, /sdk/evalx/context
//
// `evalx` answers the evaluated-flag map; `/eval` and `/meval` stream it (client-streams.ts);
// `/ping` and `/mping` send `ping` on connect and after every change, and the SDK re-polls.
// `users`/`user` are the old names of `contexts`/`context`. In an environment in secure mode,
// the browsers' routes that name a context need its hash `h` (secure-mode.ts); `/ping` names
// none (LaunchDarkly's SDK sends no `h` there: it only says "poll again"), nor do the goals.
// `evalx` and the goals are cacheable (docs/cdn.md).

const PING_FORMAT = 'client-ping';
// Relay's ping data: one space, since an event with empty data is not dispatched.
const PING = sseEvent('ping', ' ');

type Authenticate = (request: EdgeRequest) => Promise<Credential>;
type ReadContext = (request: EdgeRequest) => Context | Promise<Context>;
/** The same for streams, which may come without an IncomingMessage (the lean path). */
type StreamAuthenticate = (request: StreamRequest) => Promise<Credential>;
type StreamContext = (request: StreamRequest) => Context | Promise<Context>;
/** What both kinds of request have: the route's parameters. */
type WithParams = { readonly params: Readonly<Record<string, string>> };

/**
 * When the key that signed a secure-mode request's `h` stops verifying it (a rotated-out key's
 * expiry), if it does: `signer` is what `verifySecureMode` returned.
 */
function signedUntil(credential: Credential, signer: string): number | undefined {
  return credential.secureModeKeys?.find((k) => k.hash === signer)?.expiresAt;
}

export function clientSideRoutes(ctx: EdgeContext): EdgeRoute[] {
  const streams = new ClientStreams(ctx);
  ctx.onStateEvent((state, event) => {
    if (event.type === 'change' && event.item.kind === 'filter') return;
    ctx.hub.existingGroup(state.id, PING_FORMAT)?.broadcast(PING);
  });

  const byEnvironmentId: Authenticate = ({ params, req }) =>
    ctx.clientSideId(params['envId']!, req);
  const byMobileKey: Authenticate = ({ req }) => ctx.authenticate(req, 'mobile');
  const bySdkKey: Authenticate = ({ req }) => ctx.authenticate(req, 'sdk');
  const inPath = ({ params }: WithParams) => contextFromPath(params['context']!);
  const inBody: ReadContext = ({ req }) => contextFromBody(req, ctx.options.maxContextBodyBytes);
  const withReasons = ({ url }: { url: URL }) => url.searchParams.get('withReasons') === 'true';
  /** The id to revoke a stream by; throws 400 for a browser's request without a valid hash. */
  const secured = (
    credential: Credential,
    context: Context,
    audience: Audience,
    { url }: { url: URL },
  ) =>
    audience === 'environment-id'
      ? verifySecureMode(credential, context, url.searchParams.get('h'))
      : credential.id;
  const streamByEnvironmentId: StreamAuthenticate = (request) =>
    ctx.clientSideId(request.params['envId']!, request);
  const streamByMobileKey: StreamAuthenticate = (request) => ctx.authenticate(request, 'mobile');
  const streamInBody: StreamContext = async (request) =>
    contextFromJson(await request.readJson(ctx.options.maxContextBodyBytes));

  const evalx =
    (authenticate: Authenticate, audience: Audience, readContext: ReadContext) =>
    async (request: EdgeRequest) => {
      const credential = await authenticate(request);
      const context = await readContext(request);
      const signer = secured(credential, context, audience, request);
      const state = await ctx.readyState(credential.environment.id, minimums(request.req).seq);
      const cores = evaluateAll(
        state,
        context,
        audience,
        withReasons(request),
        ctx.metrics?.countEvaluation,
      );
      sendJson(request.res, 200, evaluatedMapText(cores, state.seq), {
        'cache-control': 'no-cache, no-store',
        ...cdnHeaders(ctx, {
          credential,
          seq: state.seq,
          expiresAt: signedUntil(credential, signer),
        }),
      });
    };

  const evalStream = (
    authenticate: StreamAuthenticate,
    audience: Audience,
    readContext: StreamContext,
  ): { stream: StreamRoute['stream'] } => ({
    stream: ctx.streamRoute(async (request: StreamRequest) => {
      const credential = await authenticate(request);
      const context = await readContext(request);
      secured(credential, context, audience, request);
      ctx.admitStream();
      const state = await ctx.readyState(credential.environment.id);
      // Checked again with the entry as it is now, with no I/O from here to the open: secure mode
      // may have come on while the state loaded, and the revocation it causes only reaches
      // streams that are already open.
      const credentialId =
        audience === 'environment-id'
          ? secured(await authenticate(request), context, audience, request)
          : credential.id;
      const release = ctx.acquirePayloadSlot();
      const connection = ctx.hub.open(request, {
        environmentId: state.id,
        format: 'client-eval',
        credentialId,
        headers: sseHeaders(state.id),
        solo: true,
      });
      const put = streams.add(state, connection, {
        context,
        audience,
        withReasons: withReasons(request),
      });
      sendInitialPayload(connection, put, release);
    }),
  });

  const pingStream = (authenticate: StreamAuthenticate): { stream: StreamRoute['stream'] } => ({
    stream: ctx.streamRoute(async (request: StreamRequest) => {
      const credential = await authenticate(request);
      ctx.admitStream();
      const state = await ctx.readyState(credential.environment.id);
      const connection = ctx.hub.open(request, {
        environmentId: state.id,
        format: PING_FORMAT,
        credentialId: credential.id,
        headers: sseHeaders(state.id),
      });
      connection.write(PING);
    }),
  });

  return [
    // Browsers: client-side ID, flags available to it, CORS.
    ...withCors('/sdk/evalx/{envId}/contexts/{context}', {
      GET: evalx(byEnvironmentId, 'environment-id', inPath),
    }),
    ...withCors('/sdk/evalx/{envId}/users/{context}', {
      GET: evalx(byEnvironmentId, 'environment-id', inPath),
    }),
    ...withCors('/sdk/evalx/{envId}/context', {
      REPORT: evalx(byEnvironmentId, 'environment-id', inBody),
    }),
    ...withCors('/sdk/evalx/{envId}/user', {
      REPORT: evalx(byEnvironmentId, 'environment-id', inBody),
    }),
    ...withCors('/eval/{envId}/{context}', {
      GET: evalStream(streamByEnvironmentId, 'environment-id', inPath),
    }),
    ...withCors('/eval/{envId}', {
      REPORT: evalStream(streamByEnvironmentId, 'environment-id', streamInBody),
    }),
    ...withCors('/ping/{envId}', { GET: pingStream(streamByEnvironmentId) }),
    // The browser SDK loads click and page-view goals at start; Vexil has none.
    ...withCors('/sdk/goals/{envId}', {
      GET: async ({ params, req, res }) => {
        const credential = await ctx.clientSideId(params['envId']!, req);
        sendJson(res, 200, '[]', {
          'cache-control': 'no-cache',
          ...cdnHeaders(ctx, { credential }),
        });
      },
    }),
    // Mobile SDKs: mobile key, flags available to mobile keys.
    {
      method: 'GET',
      path: '/msdk/evalx/contexts/{context}',
      handle: evalx(byMobileKey, 'mobile', inPath),
    },
    {
      method: 'GET',
      path: '/msdk/evalx/users/{context}',
      handle: evalx(byMobileKey, 'mobile', inPath),
    },
    { method: 'REPORT', path: '/msdk/evalx/context', handle: evalx(byMobileKey, 'mobile', inBody) },
    { method: 'REPORT', path: '/msdk/evalx/user', handle: evalx(byMobileKey, 'mobile', inBody) },
    {
      method: 'GET',
      path: '/meval/{context}',
      ...evalStream(streamByMobileKey, 'mobile', inPath),
    },
    { method: 'REPORT', path: '/meval', ...evalStream(streamByMobileKey, 'mobile', streamInBody) },
    { method: 'GET', path: '/mping', ...pingStream(streamByMobileKey) },
    // Relay's server-side evalx: SDK key, every flag.
    {
      method: 'GET',
      path: '/sdk/evalx/contexts/{context}',
      handle: evalx(bySdkKey, 'server', inPath),
    },
    {
      method: 'GET',
      path: '/sdk/evalx/users/{context}',
      handle: evalx(bySdkKey, 'server', inPath),
    },
    { method: 'REPORT', path: '/sdk/evalx/context', handle: evalx(bySdkKey, 'server', inBody) },
    { method: 'REPORT', path: '/sdk/evalx/user', handle: evalx(bySdkKey, 'server', inBody) },
  ];
}
