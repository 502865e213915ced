import type { EdgeContext } from '../edge-context.js';
import { header } from '../http/respond.js';
import type { EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import {
  fanOutByView,
  inView,
  requestedView,
  viewSuffix,
  type FlagView,
} from './payload-filter.js';
import { allDataText, flagsMapText } from './sdk-payloads.js';
import { sseEvent, sseHeaders } from './sse.js';

// LaunchDarkly FDv1 server-side streaming (docs/protocol.md section 4.1): `GET /all` sends a
// `put` with all flags and segments on connect, then `patch` and `delete` per change. The old
// `GET /flags` stream carries flags only, with paths relative to the flags map. With `?filter=`
// (payload filters) a stream gets only that filter's flags, and a new `put` when they change.
//
// Every event carries the environment's seq as its SSE id. SDKs send it back as Last-Event-ID
// when they reconnect, possibly to another edge: an edge that is behind that seq waits to catch
// up (or answers 503) instead of sending a `put` that would move the SDK's versions backwards.

const ALL = 'fdv1-all';
const FLAGS = 'fdv1-flags';

function putAll(state: EnvironmentState, view: FlagView | undefined): Buffer {
  return state.derived(`fdv1-put-all${viewSuffix(view)}`, () =>
    sseEvent('put', `{"path":"/","data":${allDataText(state, view)}}`, state.seq),
  );
}

function putFlags(state: EnvironmentState, view: FlagView | undefined): Buffer {
  return state.derived(`fdv1-put-flags${viewSuffix(view)}`, () =>
    sseEvent('put', flagsMapText(state, view), state.seq),
  );
}

function itemEvent(path: string, event: Extract<StateEvent, { type: 'change' }>): Buffer {
  const { item, change } = event;
  const p = JSON.stringify(path);
  return item.deleted
    ? sseEvent('delete', `{"path":${p},"version":${item.version}}`, change.seq)
    : sseEvent('patch', `{"path":${p},"data":${item.text}}`, change.seq);
}

/** One event to the streams of one view: everything, or one payload filter's flags. */
function fanOutTo(
  ctx: EdgeContext,
  state: EnvironmentState,
  event: StateEvent,
  view: FlagView | undefined,
): void {
  const all = ctx.hub.existingGroup(state.id, ALL, view?.key);
  const flags = ctx.hub.existingGroup(state.id, FLAGS, view?.key);
  if (all === undefined && flags === undefined) return;
  if (event.type === 'reset') {
    all?.broadcast(putAll(state, view));
    flags?.broadcast(putFlags(state, view));
    return;
  }
  const { item } = event;
  if (!inView(view, item)) return;
  all?.broadcast(itemEvent(`/${item.kind === 'flag' ? 'flags' : 'segments'}/${item.key}`, event));
  if (item.kind === 'flag') flags?.broadcast(itemEvent(`/${item.key}`, event));
}

function fanOut(ctx: EdgeContext, state: EnvironmentState, event: StateEvent): void {
  fanOutByView(
    state,
    event,
    (e, view) => fanOutTo(ctx, state, e, view),
    (key) => {
      for (const format of [ALL, FLAGS]) ctx.hub.closeGroup(state.id, format, key, 'resync');
    },
  );
}

/** The seq a reconnecting SDK already has, from the SSE id it last received. */
export function lastSeenSeq(request: StreamRequest): number {
  const id = header(request, 'last-event-id');
  return id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : 0;
}

export function fdv1Routes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));
  const stream = (format: typeof ALL | typeof FLAGS) => async (request: StreamRequest) => {
    const credential = await ctx.authenticate(request, 'sdk');
    ctx.admitStream();
    const state = await ctx.readyState(credential.environment.id, lastSeenSeq(request));
    const view = requestedView(state, request.url, credential.environment.projectKey);
    const release = ctx.acquirePayloadSlot();
    const connection = ctx.hub.open(request, {
      environmentId: state.id,
      format,
      credentialId: credential.id,
      ...(view === undefined ? {} : { variant: view.key }),
      headers: sseHeaders(state.id),
    });
    const put = format === ALL ? putAll(state, view) : putFlags(state, view);
    sendInitialPayload(connection, put, release);
  };
  return [
    { method: 'GET', path: '/all', stream: ctx.streamRoute(stream(ALL)) },
    { method: 'GET', path: '/flags', stream: ctx.streamRoute(stream(FLAGS)) },
  ];
}
