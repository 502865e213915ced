import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EdgeContext } from '../edge-context.js';
import { header } from '../http/respond.js';
import type { EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { sseHeaders } from './sse.js';
import { changeMessage, putMessage, resumeFrom, sinceSeq } from './vexil-messages.js';
import { vexilWebSockets } from './vexil-ws.js';

// The Vexil stream over SSE (docs/protocol.md section 6), for Vexil SDKs and chained edges:
// `GET /vexil/v1/stream`. Every event's `id:` is the environment seq it brings the client to, so
// a reconnecting EventSource resumes with `Last-Event-ID` (or `?since=`): only the missed
// changes while the history holds them, else a full `put`.

const FORMAT = 'vexil';

function fanOut(ctx: EdgeContext, state: EnvironmentState, event: StateEvent): void {
  const group = ctx.hub.existingGroup(state.id, FORMAT);
  if (group === undefined) return;
  group.broadcast(
    event.type === 'reset'
      ? putMessage(state, 'sse')
      : changeMessage(event.change, 'sse', event.item.text),
  );
}

export function vexilStreamRoutes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));

  async function stream(request: StreamRequest): Promise<void> {
    const credential = await ctx.authenticate(request, 'sdk');
    ctx.admitStream();
    // An EventSource reconnects to its original URL plus Last-Event-ID: the header is newer.
    const since = header(request, 'last-event-id') ?? request.url.searchParams.get('since');
    const state = await ctx.readyState(credential.environment.id, sinceSeq(since));
    const missed = resumeFrom(state, since);
    const release = missed === undefined ? ctx.acquirePayloadSlot() : () => {};
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format: FORMAT,
      credentialId: credential.id,
      headers: sseHeaders(state.id),
    });
    const payload =
      missed === undefined
        ? putMessage(state, 'sse')
        : Buffer.concat(missed.map((change) => changeMessage(change, 'sse')));
    sendInitialPayload(connection, payload, release);
  }

  return [{ method: 'GET', path: '/vexil/v1/stream', stream: ctx.streamRoute(stream) }];
}

/** WebSocket upgrades of the Vexil stream; false when the request is not for it. */
export function vexilStreamUpgrade(
  ctx: EdgeContext,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  return vexilWebSockets(ctx);
}
