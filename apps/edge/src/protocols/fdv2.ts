import type { EdgeContext } from '../edge-context.js';
import { sendBody } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import {
  changeMessage,
  GOODBYE,
  planTransfer,
  pollTransfer,
  streamTransfer,
  type Transfer,
} from './fdv2-payloads.js';
import { sseHeaders } from './sse.js';

// LaunchDarkly FDv2 (docs/protocol.md section 4.2): `GET /sdk/stream` (SSE) and `GET /sdk/poll`
// (JSON), both resuming from the `basis` selector the SDK sends back. The `filter` query
// parameter (payload filters) is accepted; every flag is served. No `x-ld-fd-fallback` header:
// it would switch the SDK to FDv1 for good (js-core sdk-server StreamingProcessorFDv2.ts).

const FORMAT = 'fdv2';

const noop = () => {};

function fanOut(ctx: EdgeContext, state: EnvironmentState, event: StateEvent): void {
  const group = ctx.hub.existingGroup(state.id, FORMAT);
  if (group === undefined) return;
  // A reset (resync from a snapshot) replaces the SDK's data: a full transfer.
  group.broadcast(
    event.type === 'reset'
      ? streamTransfer(state, { intent: 'xfer-full', reason: 'stale' })
      : changeMessage(state, event.item),
  );
}

/** Full transfers take an admission slot (reconnect storms); resumes are small and go through. */
function admit(ctx: EdgeContext, transfer: Transfer): () => void {
  return transfer.intent === 'xfer-full' ? ctx.acquirePayloadSlot() : noop;
}

export function fdv2Routes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));

  async function stream(request: StreamRequest): Promise<void> {
    const credential = ctx.authenticate(request, 'sdk');
    ctx.admitStream();
    const state = await ctx.readyState(credential.environment.id);
    const transfer = planTransfer(state, request.url.searchParams.get('basis'));
    const release = admit(ctx, transfer);
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format: FORMAT,
      credentialId: credential.id,
      headers: sseHeaders(state.id),
      farewell: GOODBYE,
    });
    sendInitialPayload(connection, streamTransfer(state, transfer), release);
  }

  async function poll({ req, res, url }: EdgeRequest): Promise<void> {
    const credential = ctx.authenticate(req, 'sdk');
    const state = await ctx.readyState(credential.environment.id);
    const transfer = planTransfer(state, url.searchParams.get('basis'));
    const release = admit(ctx, transfer);
    res.once('close', release);
    sendBody(res, 200, pollTransfer(state, transfer), {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache',
      vary: 'Authorization',
      'x-ld-envid': state.id,
    });
  }

  return [
    { method: 'GET', path: '/sdk/stream', stream: ctx.streamRoute(stream) },
    { method: 'GET', path: '/sdk/poll', handle: poll },
  ];
}
