import { minimums, type EdgeContext } from '../edge-context.js';
import { EdgeError } from '../http/respond.js';
import { isDirectoryKey } from '@vexil/protocol';
import { sendJson } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute, StreamRequest } from '../http/routes.js';
import type { EnvironmentState } from '../state/environment-state.js';
import { sendInitialPayload } from '../stream/initial-payload.js';
import { sseEvent, sseHeaders } from './sse.js';

// The relay feed (docs/protocol.md section 7): what a chained edge needs, authenticated with an
// edge token. One SSE stream carries `live` (first: directory updates follow from here on),
// `directory` (each directory update this edge hears of),
// `put` (an environment's snapshot, tombstones included) and `change` (one committed change) of
// every environment this edge holds; the relay keeps those it asked for. It looks directory keys
// up and loads an environment with two plain GETs. A relay that reconnects names what it has with
// `since=<envId>:<seq>,...` and gets only the changes it missed, for each environment whose
// history still reaches back, and a `put` for the others.

const FORMAT = 'relay';
const LIVE = sseEvent('live', '{}');
/** The stream group of relay feeds: they are not one environment's. */
export const RELAY_ALL = '*';

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
    const group = ctx.hub.existingGroup(RELAY_ALL, FORMAT);
    if (group === undefined) return;
    group.broadcast(
      event.type === 'reset' ? putEvent(state) : sseEvent('change', JSON.stringify(event.change)),
    );
  });
  ctx.onDirectory((record) => {
    ctx.hub
      .existingGroup(RELAY_ALL, FORMAT)
      ?.broadcast(sseEvent('directory', JSON.stringify(record)));
  });

  const stream = async (request: StreamRequest) => {
    const token = await ctx.authenticateEdge(request);
    const since = parseSince(request.url.searchParams.get('since'));
    ctx.admitStream();
    const release = ctx.acquirePayloadSlot();
    const connection = ctx.hub.open(request, {
      environmentId: RELAY_ALL,
      format: FORMAT,
      credentialId: token,
      headers: sseHeaders(RELAY_ALL),
    });
    // `live` first: from here on every directory update reaches this relay.
    const parts: Buffer[] = [LIVE];
    for (const [id, known] of since) {
      const state = ctx.registry.state(id);
      // One this edge does not hold (any more) goes out as a `put` once it is loaded again.
      if (state?.ready !== true) {
        ctx.want(id);
        continue;
      }
      const missed = state.changesSince(known);
      if (missed === undefined) parts.push(putEvent(state));
      else for (const change of missed) parts.push(sseEvent('change', JSON.stringify(change)));
    }
    sendInitialPayload(connection, Buffer.concat(parts), release);
  };

  const lookup = async ({ req, res, params }: EdgeRequest) => {
    await ctx.authenticateEdge(req);
    const key = params['key']!;
    if (!isDirectoryKey(key))
      throw new EdgeError('BAD_REQUEST', `"${key}" is not a directory key (c.<sha256> or e.<id>)`);
    sendJson(res, 200, await ctx.lookup(key, minimums(req).revision));
  };

  const snapshot = async ({ req, res, params }: EdgeRequest) => {
    await ctx.authenticateEdge(req);
    const { environment } = await ctx.clientSideId(params['envId']!);
    const state = await ctx.readyState(environment.id);
    sendJson(res, 200, state.snapshot());
  };

  return [
    { method: 'GET', path: '/vexil/v1/relay', stream: ctx.streamRoute(stream) },
    { method: 'GET', path: '/vexil/v1/relay/directory/{key}', handle: lookup },
    { method: 'GET', path: '/vexil/v1/relay/environments/{envId}', handle: snapshot },
  ];
}
