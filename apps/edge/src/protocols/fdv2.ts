import { minimums, type EdgeContext } from '../edge-context.js';
import { sendBody } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import {
  basisSeq,
  changeMessage,
  GOODBYE,
  planTransfer,
  pollTransfer,
  streamTransfer,
  type Transfer,
} from './fdv2-payloads.js';
import { cdnHeaders } from './cdn-headers.js';
import { fanOutByView, inView, requestedView, type FlagView } from './payload-filter.js';
import { sseHeaders } from './sse.js';

// LaunchDarkly FDv2 (docs/protocol.md section 4.2): `GET /sdk/stream` (SSE) and `GET /sdk/poll`
// (JSON), both resuming from the `basis` selector the SDK sends back. With the `filter` query
// parameter (payload filters), only that filter's flags are served. No `x-ld-fd-fallback` header:
// it would switch the SDK to FDv1 for good (js-core sdk-server StreamingProcessorFDv2.ts).

const FORMAT = 'fdv2';

const noop = () => {};

const STALE: Transfer = { intent: 'xfer-full', reason: 'stale' };

function fanOutTo(
  ctx: EdgeContext,
  state: EnvironmentState,
  event: StateEvent,
  view: FlagView | undefined,
): void {
  const group = ctx.hub.existingGroup(state.id, FORMAT, view?.key);
  if (group === undefined) return;
  // A reset (resync from a snapshot) replaces the SDK's data: a full transfer.
  if (event.type === 'reset') group.broadcast(streamTransfer(state, STALE, view));
  else if (inView(view, event.item)) group.broadcast(changeMessage(state, event.item));
}

function fanOut(ctx: EdgeContext, state: EnvironmentState, event: StateEvent): void {
  fanOutByView(
    state,
    event,
    (e, view) => fanOutTo(ctx, state, e, view),
    (key) => ctx.hub.closeGroup(state.id, FORMAT, key, 'resync'),
  );
}

/** Full transfers take an admission slot (reconnect storms); resumes are small and go through. */
function admit(ctx: EdgeContext, transfer: Transfer): () => void {
  return transfer.intent === 'xfer-full' ? ctx.acquirePayloadSlot() : noop;
}

export function fdv2Routes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));

  async function stream(request: StreamRequest): Promise<void> {
    const credential = await ctx.authenticate(request, 'sdk');
    ctx.admitStream();
    const basis = request.url.searchParams.get('basis');
    const id = credential.environment.id;
    const state = await ctx.readyState(id, basisSeq(basis, id));
    const view = requestedView(state, request.url, credential.environment.projectKey);
    const transfer = planTransfer(state, basis, view);
    const release = admit(ctx, transfer);
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format: FORMAT,
      credentialId: credential.id,
      ...(view === undefined ? {} : { variant: view.key }),
      headers: sseHeaders(state.id),
      farewell: GOODBYE,
    });
    sendInitialPayload(connection, streamTransfer(state, transfer, view), release);
  }

  async function poll({ req, res, url }: EdgeRequest): Promise<void> {
    const credential = await ctx.authenticate(req, 'sdk');
    const basis = url.searchParams.get('basis');
    const id = credential.environment.id;
    const state = await ctx.readyState(id, Math.max(basisSeq(basis, id), minimums(req).seq));
    const view = requestedView(state, url, credential.environment.projectKey);
    const transfer = planTransfer(state, basis, view);
    const release = admit(ctx, transfer);
    res.once('close', release);
    sendBody(res, 200, pollTransfer(state, transfer, view), {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache',
      vary: 'Authorization',
      'x-ld-envid': state.id,
      ...cdnHeaders(ctx, { credential, seq: state.seq, view }),
    });
  }

  return [
    { method: 'GET', path: '/sdk/stream', stream: ctx.streamRoute(stream) },
    { method: 'GET', path: '/sdk/poll', handle: poll },
  ];
}
