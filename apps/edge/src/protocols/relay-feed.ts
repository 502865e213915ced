import type { EdgeContext } from '../edge-context.js';
import { EdgeError } from '../http/respond.js';
import type { EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { sseEvent, sseHeaders } from './sse.js';

// The relay feed (docs/protocol.md section 7): everything a chained edge needs, on one SSE
// stream authenticated with an edge token. `directory` (environments and credential hashes),
// `put` (an environment's snapshot, tombstones included), `change` (one committed change).
// A relay that reconnects names what it has with `since=<envId>:<seq>,...` and gets only the
// changes it missed, for each environment whose history still reaches back.

const FORMAT = 'relay';
const ALL = '*';

function putEvent(state: EnvironmentState): Buffer {
  return state.derived('relay-put', () => {
    const items: string[] = [];
    for (const map of [state.flags, state.segments, state.filters]) {
      for (const item of map.values()) {
        items.push(
          `{"kind":"${item.kind}","key":${JSON.stringify(item.key)},"version":${item.version},"item":${item.text}}`,
        );
      }
    }
    return sseEvent(
      'put',
      `{"environmentId":${JSON.stringify(state.id)},"seq":${state.seq},"items":[${items.join(',')}]}`,
    );
  });
}

function parseSince(text: string | null): Map<string, number> {
  const since = new Map<string, number>();
  for (const part of (text ?? '').split(',')) {
    if (part === '') continue;
    const m = /^([^:]+):(\d+)$/.exec(part);
    if (m === null)
      throw new EdgeError('BAD_REQUEST', `since: "${part}" is not <environmentId>:<seq>`);
    since.set(m[1]!, Number(m[2]));
  }
  return since;
}

export function relayFeedRoutes(ctx: EdgeContext): EdgeRoute[] {
  ctx.onStateEvent((state, event) => {
    const group = ctx.hub.existingGroup(ALL, FORMAT);
    if (group === undefined) return;
    group.broadcast(
      event.type === 'reset' ? putEvent(state) : sseEvent('change', JSON.stringify(event.change)),
    );
  });
  ctx.onDirectory((directory) => {
    ctx.hub.existingGroup(ALL, FORMAT)?.broadcast(sseEvent('directory', JSON.stringify(directory)));
  });

  const stream = async (request: StreamRequest) => {
    const token = ctx.authenticateEdge(request);
    const since = parseSince(request.url.searchParams.get('since'));
    ctx.admitStream();
    const release = ctx.acquirePayloadSlot();
    const connection = ctx.hub.open(request, {
      environmentId: ALL,
      format: FORMAT,
      credentialId: token,
      headers: sseHeaders(ALL),
    });
    const parts: Buffer[] = [sseEvent('directory', JSON.stringify(ctx.registry.directory))];
    for (const state of ctx.registry.allStates()) {
      if (!state.ready) continue;
      const known = since.get(state.id);
      const missed = known === undefined ? undefined : state.changesSince(known);
      if (missed === undefined) parts.push(putEvent(state));
      else for (const change of missed) parts.push(sseEvent('change', JSON.stringify(change)));
    }
    sendInitialPayload(connection, Buffer.concat(parts), release);
  };
  return [{ method: 'GET', path: '/vexil/v1/relay', stream: ctx.streamRoute(stream) }];
}
