import type { OutgoingHttpHeaders } from 'node:http';
import type { JsonObject } from '@vexil/protocol';
import type { EdgeContext } from '../edge-context.js';
import { CredentialError } from '../http/respond.js';
import type { EdgeRoute, StreamRequest } from '../http/routes.js';
import type { Credential } from '../state/registry.js';
import { withCors } from './cors.js';
import { lastSeenSeq } from './fdv1.js';
import { sseHeaders } from './sse.js';

// OFREP event streams (docs/protocol.md section 4.6; OFREP ADR-0008, which the OFREP web
// provider follows by default): `GET /ofrep/v1/events/{clientSideId}` is an SSE stream that says
// "fetch the bulk evaluation again" on every change of the environment, as `/ping` does for
// LaunchDarkly's browser SDK; a bulk answer to a client-side ID offers it in `eventStreams`.
//
//   id: <seq>
//   data: {"type":"refetchEvaluation","etag":"<seq>","lastModified":<seq>}
//
// The credential is in the path because an EventSource cannot send headers: only the public
// client-side ID, never an SDK key. The stream names no context, so secure mode asks no hash of
// it (the refetch it causes is checked). Nothing here knows the context, so the message cannot
// carry the bulk ETag (a hash of one context's results): it carries the environment's seq, which
// the provider sends back as `flagConfigLastModified` for the bulk route to wait for (ofrep.ts).
//
// On connect the stream asks for a refetch unless the request's Last-Event-ID (a reconnect) says
// the client was already told of the edge's seq: a change made between the provider's bulk
// request and its connect, or while it was reconnecting, is not lost, and a reconnect storm after
// a drain costs no bulk requests when nothing changed.

export const OFREP_EVENTS_FORMAT = 'ofrep-events';

/** What the provider waits in a hidden tab before it closes the stream: ADR-0008's default. */
const INACTIVITY_DELAY_SEC = 120;

const CORS = { allowHeaders: ['Cache-Control', 'Last-Event-ID'] };

/** What a reconnect that missed nothing gets on connect: a comment line, as a heartbeat. */
const UP_TO_DATE = Buffer.from(':\n');

/** The stream's path for a client-side ID. */
export function ofrepEventsPath(clientSideId: string): string {
  return `/ofrep/v1/events/${encodeURIComponent(clientSideId)}`;
}

/**
 * The bulk answer's `eventStreams` for a client-side ID. The endpoint has no origin, so the
 * provider resolves it against the origin of its own baseUrl: the address the page already
 * reaches the edge by, through whatever proxy or CDN, which the edge cannot know.
 */
export function ofrepEventStreams(clientSideId: string): JsonObject[] {
  return [
    {
      type: 'sse',
      endpoint: { requestUri: ofrepEventsPath(clientSideId) },
      inactivityDelaySec: INACTIVITY_DELAY_SEC,
    },
  ];
}

/** One refetchEvaluation message for the environment at `seq`. */
function refetch(seq: number): Buffer {
  const data = `{"type":"refetchEvaluation","etag":"${seq}","lastModified":${seq}}`;
  return Buffer.from(`id: ${seq}\ndata: ${data}\n\n`);
}

/** sseHeaders without its `Access-Control-Allow-Origin: *`: the echoed Origin answers (cors.ts). */
function streamHeaders(environmentId: string): OutgoingHttpHeaders {
  const { 'access-control-allow-origin': _any, ...headers } = sseHeaders(environmentId);
  return headers;
}

/** The client-side ID in the path; an unknown one is 401, as OFREP's routes answer it. */
async function authenticate(ctx: EdgeContext, request: StreamRequest): Promise<Credential> {
  try {
    return await ctx.clientSideId(request.params['clientSideId']!, request);
  } catch (e) {
    if (e instanceof CredentialError && e.code === 'NOT_FOUND')
      throw new CredentialError('UNAUTHORIZED', e.message);
    throw e;
  }
}

export function ofrepEventRoutes(ctx: EdgeContext): EdgeRoute[] {
  // Every change a client-side evaluation could see, and resets, as for `/ping` (client-side.ts).
  ctx.onStateEvent((state, event) => {
    if (event.type === 'change' && event.item.kind === 'filter') return;
    ctx.hub.existingGroup(state.id, OFREP_EVENTS_FORMAT)?.broadcast(refetch(state.seq));
  });

  const stream = ctx.streamRoute(async (request: StreamRequest) => {
    const credential = await authenticate(ctx, request);
    ctx.admitStream();
    const state = await ctx.readyState(credential.environment.id);
    // Opened with the client-side ID's id, as `/ping`: closed when the environment goes, and
    // when secure mode comes on (a reconnect is accepted again, since it needs no hash).
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format: OFREP_EVENTS_FORMAT,
      credentialId: credential.id,
      headers: streamHeaders(state.id),
    });
    // Something is written either way: the response head leaves with the first bytes, and the
    // EventSource opens only when it has arrived.
    connection.write(lastSeenSeq(request) < state.seq ? refetch(state.seq) : UP_TO_DATE);
  });

  return withCors('/ofrep/v1/events/{clientSideId}', { GET: { stream } }, CORS);
}
