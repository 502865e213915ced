import type { EdgeContext } from '../edge-context.js';
import { header } from '../http/respond.js';
import type { EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { allDataText, flagsMapText } from './sdk-payloads.js';
import { sseEvent, sseHeaders } from './sse.js';

// LaunchDarkly FDv1 server-side streaming (docs/protocol.md section 4.1): `GET /all` sends a
// `put` with all flags and segments on connect, then `patch` and `delete` per change. The old
// `GET /flags` stream carries flags only, with paths relative to the flags map.
//
// Every event carries the environment's seq as its SSE id. SDKs send it back as Last-Event-ID
// when they reconnect, possibly to another edge: an edge that is behind that seq waits to catch
// up (or answers 503) instead of sending a `put` that would move the SDK's versions backwards.

const ALL = 'fdv1-all';
const FLAGS = 'fdv1-flags';

function putAll(state: EnvironmentState): Buffer {
  return state.derived('fdv1-put-all', () =>
    sseEvent('put', `{"path":"/","data":${allDataText(state)}}`, state.seq),
  );
}

function putFlags(state: EnvironmentState): Buffer {
  return state.derived('fdv1-put-flags', () => sseEvent('put', flagsMapText(state), state.seq));
}

function itemEvent(path: string, event: Extract<StateEvent, { type: 'change' }>): Buffer {
  const { item, change } = event;
  const p = JSON.stringify(path);
  return item.deleted
    ? sseEvent('delete', `{"path":${p},"version":${item.version}}`, change.seq)
    : sseEvent('patch', `{"path":${p},"data":${item.text}}`, change.seq);
}

function fanOut(ctx: EdgeContext, state: EnvironmentState, event: StateEvent): void {
  const all = ctx.hub.existingGroup(state.id, ALL);
  const flags = ctx.hub.existingGroup(state.id, FLAGS);
  if (all === undefined && flags === undefined) return;
  if (event.type === 'reset') {
    all?.broadcast(putAll(state));
    flags?.broadcast(putFlags(state));
    return;
  }
  const { item } = event;
  all?.broadcast(itemEvent(`/${item.kind === 'flag' ? 'flags' : 'segments'}/${item.key}`, event));
  if (item.kind === 'flag') flags?.broadcast(itemEvent(`/${item.key}`, event));
}

/** The seq a reconnecting SDK already has, from the SSE id it last received. */
export function lastSeenSeq(request: StreamRequest): number {
  const id = header(request, 'last-event-id');
  return id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : 0;
}

export function fdv1Routes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));
  const stream = (format: typeof ALL | typeof FLAGS) => async (request: StreamRequest) => {
    const credential = ctx.authenticate(request, 'sdk');
    ctx.admitStream();
    const state = await ctx.readyState(credential.environment.id, lastSeenSeq(request));
    const release = ctx.acquirePayloadSlot();
    // The `filter` query parameter (payload filters) is accepted; every flag is served.
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format,
      credentialId: credential.id,
      headers: sseHeaders(state.id),
    });
    sendInitialPayload(connection, format === ALL ? putAll(state) : putFlags(state), release);
  };
  return [
    { method: 'GET', path: '/all', stream: ctx.streamRoute(stream(ALL)) },
    { method: 'GET', path: '/flags', stream: ctx.streamRoute(stream(FLAGS)) },
  ];
}
