import type { IncomingMessage, ServerResponse } from 'node:http';
import { minimums, type EdgeContext } from '../edge-context.js';
import { EdgeError, header, sendBody } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute } from '../http/routes.js';
import type { EnvironmentState } from '../state/environment-state.js';
import { cdnHeaders } from './cdn-headers.js';
import { inView, requestedView, type FlagView } from './payload-filter.js';
import { allDataText, dataEtag, flagsMapText, segmentsMapText } from './sdk-payloads.js';

// LaunchDarkly server-side polling (docs/protocol.md section 4.3): the full data set, or one
// collection, or one item, with an ETag; `If-None-Match` with the current ETag gets 304.
// `?filter=` serves one payload filter's flags. Both answers are cacheable (docs/cdn.md).

function reply(
  req: IncomingMessage,
  res: ServerResponse,
  etag: string,
  body: string,
  cache: Record<string, string>,
): void {
  const headers = { etag, 'cache-control': 'no-cache', vary: 'Authorization', ...cache };
  if (header(req, 'if-none-match') === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  sendBody(res, 200, body, { ...headers, 'content-type': 'application/json; charset=utf-8' });
}

type Serve = (
  state: EnvironmentState,
  request: EdgeRequest,
  view: FlagView | undefined,
) => { etag: string; body: string };

export function pollingRoutes(ctx: EdgeContext): EdgeRoute[] {
  const polled = (serve: Serve) => async (request: EdgeRequest) => {
    const credential = await ctx.authenticate(request.req, 'sdk');
    const state = await ctx.readyState(credential.environment.id, minimums(request.req).seq);
    const view = requestedView(state, request.url, credential.environment.projectKey);
    const { etag, body } = serve(state, request, view);
    const cache = cdnHeaders(ctx, { credential, seq: state.seq, view });
    reply(request.req, request.res, etag, body, cache);
  };
  const item =
    (kind: 'flags' | 'segments'): Serve =>
    (state, { params }, view) => {
      const stored = (kind === 'flags' ? state.flags : state.segments).get(params['key']!);
      if (stored === undefined || stored.deleted || !inView(view, stored)) {
        throw new EdgeError(
          'NOT_FOUND',
          `no ${kind === 'flags' ? 'flag' : 'segment'} "${params['key']!}" in this environment`,
        );
      }
      return {
        etag: `"${state.id}-${stored.kind}-${stored.key}-${stored.version}"`,
        body: stored.text,
      };
    };
  const all = polled((state, _request, view) => ({
    etag: dataEtag(state, 'all', view),
    body: allDataText(state, view),
  }));
  const flags = polled((state, _request, view) => ({
    etag: dataEtag(state, 'flags', view),
    body: flagsMapText(state, view),
  }));
  const segments = polled((state) => ({
    etag: dataEtag(state, 'segments'),
    body: segmentsMapText(state),
  }));
  return [
    { method: 'GET', path: '/sdk/latest-all', handle: all },
    { method: 'GET', path: '/sdk/latest-flags', handle: flags },
    { method: 'GET', path: '/sdk/latest-flags/{key}', handle: polled(item('flags')) },
    { method: 'GET', path: '/sdk/latest-segments', handle: segments },
    { method: 'GET', path: '/sdk/latest-segments/{key}', handle: polled(item('segments')) },
    // The PHP SDK's paths.
    { method: 'GET', path: '/sdk/flags', handle: flags },
    { method: 'GET', path: '/sdk/flags/{key}', handle: polled(item('flags')) },
    { method: 'GET', path: '/sdk/segments/{key}', handle: polled(item('segments')) },
  ];
}
