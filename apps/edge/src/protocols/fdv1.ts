import type { EdgeContext } from '../edge-context.js';
import type { EdgeRoute } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { allDataText, flagsMapText } from './sdk-payloads.js';
import { sseEvent, sseHeaders } from './sse.js';

// LaunchDarkly FDv1 server-side streaming (docs/protocol.md section 4.1): `GET /all` sends a
// `put` with all flags and segments on connect, then `patch` and `delete` per change. The old
// `GET /flags` stream carries flags only, with paths relative to the flags map.

const ALL = 'fdv1-all';
const FLAGS = 'fdv1-flags';

function putAll(state: EnvironmentState): Buffer {
  return state.derived('fdv1-put-all', () =>
    sseEvent('put', `{"path":"/","data":${allDataText(state)}}`),
  );
}

function putFlags(state: EnvironmentState): Buffer {
  return state.derived('fdv1-put-flags', () => sseEvent('put', flagsMapText(state)));
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
  const collection = item.kind === 'flag' ? 'flags' : 'segments';
  all?.broadcast(
    item.deleted
      ? sseEvent(
          'delete',
          `{"path":${JSON.stringify(`/${collection}/${item.key}`)},"version":${item.version}}`,
        )
      : sseEvent(
          'patch',
          `{"path":${JSON.stringify(`/${collection}/${item.key}`)},"data":${item.text}}`,
        ),
  );
  if (item.kind === 'flag' && flags !== undefined) {
    const path = JSON.stringify(`/${item.key}`);
    flags.broadcast(
      item.deleted
        ? sseEvent('delete', `{"path":${path},"version":${item.version}}`)
        : sseEvent('patch', `{"path":${path},"data":${item.text}}`),
    );
  }
}

export function fdv1Routes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => fanOut(ctx, state, event));
  const stream =
    (format: typeof ALL | typeof FLAGS) =>
    async ({ req, res }: Parameters<EdgeRoute['handle']>[0]) => {
      const credential = ctx.authenticate(req, 'sdk');
      ctx.admitStream();
      const state = await ctx.readyState(credential.environment.id);
      const release = ctx.acquirePayloadSlot();
      // The `filter` query parameter (payload filters) is accepted; every flag is served.
      const connection = ctx.hub.open(req, res, {
        environmentId: state.id,
        format,
        credentialId: credential.id,
        headers: sseHeaders(state.id),
      });
      sendInitialPayload(connection, format === ALL ? putAll(state) : putFlags(state), release);
    };
  return [
    { method: 'GET', path: '/all', handle: stream(ALL) },
    { method: 'GET', path: '/flags', handle: stream(FLAGS) },
  ];
}
