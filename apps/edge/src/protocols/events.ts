import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { MAX_INSIGHT_COUNT } from '@vexil/protocol';
import type { EdgeContext } from '../edge-context.js';
import { EdgeError, header, readBody } from '../http/respond.js';
import type { EdgeRequest, EdgeRoute } from '../http/routes.js';
import type { InsightsCollector } from '../insights/insights-collector.js';

// LaunchDarkly analytics and diagnostic events (docs/protocol.md section 4.5): accepted with
// 202 and summarised into per-flag, per-variation evaluation counts (flag insights). Summary
// events carry every evaluation; older SDKs that send no summaries are counted from their
// `feature` events instead, so nothing is counted twice. Only counts a real SDK could send are
// kept (see `add`): the browser endpoints need nothing but the public client-side ID.

const RECENT_PAYLOADS = 10_000;

interface SummaryCounter {
  variation?: unknown;
  count?: unknown;
  unknown?: unknown;
}

/** How far an event's time may be from the edge's clock and still be counted. */
const PAST_MS = 24 * 60 * 60_000;
const FUTURE_MS = 5 * 60_000;

/**
 * What a counter may add to the insights: events come from anyone holding a public client-side
 * ID, so only what a real SDK could send is counted: a whole count in range, a time near now,
 * a variation index the flag has, and a flag the environment has (when the edge holds it).
 */
interface Counting {
  readonly now: number;
  /** How many variations the environment's flag has (0: no such flag, or no data held). */
  readonly variations: (key: string) => number;
}

function add(
  collector: InsightsCollector,
  environmentId: string,
  c: Counting,
  event: { flagKey: unknown; variation: unknown; at: unknown; count: unknown },
): void {
  const { flagKey, variation, count } = event;
  const at = typeof event.at === 'number' ? event.at : c.now;
  const variations = typeof flagKey === 'string' ? c.variations(flagKey) : 0;
  if (typeof flagKey !== 'string' || variations === 0) return;
  if (
    !Number.isSafeInteger(count) ||
    (count as number) < 1 ||
    (count as number) > MAX_INSIGHT_COUNT
  )
    return;
  if (!Number.isFinite(at) || at < c.now - PAST_MS || at > c.now + FUTURE_MS) return;
  // An index the flag does not have is no evaluation an SDK made; the origin would refuse it.
  const index =
    Number.isSafeInteger(variation) &&
    (variation as number) >= 0 &&
    (variation as number) < variations
      ? variation
      : null;
  if (variation !== undefined && variation !== null && index === null) return;
  collector.add(environmentId, flagKey, index as number | null, at, count as number);
}

function count(
  collector: InsightsCollector,
  environmentId: string,
  events: unknown[],
  c: Counting,
): void {
  const summaries = events.filter(
    (e): e is Record<string, unknown> => isRecord(e) && e['kind'] === 'summary',
  );
  if (summaries.length > 0) {
    for (const summary of summaries) {
      const features = isRecord(summary['features']) ? summary['features'] : {};
      for (const [flagKey, feature] of Object.entries(features)) {
        const counters =
          isRecord(feature) && Array.isArray(feature['counters'])
            ? (feature['counters'] as SummaryCounter[])
            : [];
        for (const counter of counters) {
          if (!isRecord(counter)) continue;
          add(collector, environmentId, c, {
            flagKey,
            variation: counter.variation,
            at: summary['endDate'],
            count: counter.count,
          });
        }
      }
    }
    return;
  }
  for (const e of events) {
    if (!isRecord(e) || e['kind'] !== 'feature') continue;
    add(collector, environmentId, c, {
      flagKey: e['key'],
      variation: e['variation'],
      at: e['creationDate'],
      count: 1,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readEvents(req: IncomingMessage, limit: number): Promise<unknown> {
  let body = await readBody(req, limit);
  if ((header(req, 'content-encoding') ?? '').toLowerCase() === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: limit });
    } catch {
      throw new EdgeError(
        'BAD_REQUEST',
        `the gzip body is corrupt or inflates beyond ${limit} bytes`,
      );
    }
  }
  if (body.length === 0)
    throw new EdgeError('BAD_REQUEST', 'the events body is empty; send a JSON array of events');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new EdgeError(
      'BAD_REQUEST',
      'the events body is not valid JSON; send a JSON array of events',
    );
  }
}

const CORS_HEADERS = {
  'access-control-allow-credentials': 'false',
  'access-control-max-age': '300',
  'access-control-allow-headers':
    'Cache-Control,Content-Type,Content-Length,Accept-Encoding,X-LaunchDarkly-User-Agent,X-LaunchDarkly-Payload-ID,X-LaunchDarkly-Wrapper,X-LaunchDarkly-Event-Schema,X-LaunchDarkly-Tags',
  'access-control-expose-headers': 'Date',
  'access-control-allow-methods': 'POST,OPTIONS',
};

export function eventsRoutes(ctx: EdgeContext, collector: InsightsCollector): EdgeRoute[] {
  const seenPayloads = new Set<string>();
  const accept = (res: EdgeRequest['res'], extra: Record<string, string> = {}) => {
    res.writeHead(202, { date: new Date(ctx.now()).toUTCString(), 'content-length': 0, ...extra });
    res.end();
  };
  const cors = (req: IncomingMessage) => ({
    ...CORS_HEADERS,
    'access-control-allow-origin': header(req, 'origin') ?? '*',
  });

  const analytics =
    (resolve: (request: EdgeRequest) => Promise<string>, browser = false) =>
    async (request: EdgeRequest) => {
      const environmentId = await resolve(request);
      const events = await readEvents(request.req, ctx.options.maxEventsBodyBytes);
      if (!Array.isArray(events))
        throw new EdgeError('BAD_REQUEST', 'send analytics events as a JSON array');
      // SDKs retry a failed post once with the same payload id: count it once.
      const payloadId = header(request.req, 'x-launchdarkly-payload-id');
      if (payloadId === undefined || !seenPayloads.has(payloadId)) {
        if (payloadId !== undefined) {
          if (seenPayloads.size >= RECENT_PAYLOADS) seenPayloads.clear();
          seenPayloads.add(payloadId);
        }
        // Only flags the environment has are counted: load it if no client here holds it.
        const state = await ctx.readyState(environmentId);
        count(collector, environmentId, events, {
          now: ctx.now(),
          variations: (key) => state.flags.get(key)?.flag?.variations.length ?? 0,
        });
      }
      accept(request.res, browser ? cors(request.req) : {});
    };
  const diagnostic =
    (resolve: (request: EdgeRequest) => Promise<string>, browser = false) =>
    async (request: EdgeRequest) => {
      await resolve(request);
      await readEvents(request.req, ctx.options.maxEventsBodyBytes);
      accept(request.res, browser ? cors(request.req) : {});
    };
  const sdk = async ({ req }: EdgeRequest) => (await ctx.authenticate(req, 'sdk')).environment.id;
  const mobile = async ({ req }: EdgeRequest) =>
    (await ctx.authenticate(req, 'mobile')).environment.id;
  const browser = async ({ params }: EdgeRequest) =>
    (await ctx.clientSideId(params['envId']!)).environment.id;
  const preflight = ({ req, res }: EdgeRequest) => {
    res.writeHead(200, { ...cors(req), 'content-length': 0 });
    res.end();
  };

  return [
    { method: 'POST', path: '/bulk', handle: analytics(sdk) },
    { method: 'POST', path: '/diagnostic', handle: diagnostic(sdk) },
    { method: 'POST', path: '/mobile', handle: analytics(mobile) },
    { method: 'POST', path: '/mobile/events', handle: analytics(mobile) },
    { method: 'POST', path: '/mobile/events/bulk', handle: analytics(mobile) },
    { method: 'POST', path: '/mobile/events/diagnostic', handle: diagnostic(mobile) },
    { method: 'POST', path: '/events/bulk/{envId}', handle: analytics(browser, true) },
    { method: 'OPTIONS', path: '/events/bulk/{envId}', handle: preflight },
    { method: 'POST', path: '/events/diagnostic/{envId}', handle: diagnostic(browser, true) },
    { method: 'OPTIONS', path: '/events/diagnostic/{envId}', handle: preflight },
  ];
}
