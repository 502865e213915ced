import type { EdgeReport, EnvironmentSnapshot } from '@vexil/protocol';
import type { InsightCount, InsightsSink } from '../insights/insights-collector.js';
import type { SnapshotSource } from './upstream.js';

// The origin's delivery API (docs/protocol.md section 5), used by edges that take changes from
// the bus: snapshots to bootstrap from, and flag insights to report. Authenticated with an
// API token of the `edge` role.

export interface OriginEndpoint {
  /** The origin's base URL, e.g. http://origin:8080. */
  readonly url: string;
  readonly token: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

async function call(
  origin: OriginEndpoint,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const res = await fetch(new URL(path, origin.url), {
    ...init,
    headers: {
      authorization: `Bearer ${origin.token}`,
      ...(init.headers as Record<string, string>),
    },
    signal: AbortSignal.timeout(origin.timeoutMs ?? 10_000),
  });
  return res;
}

export function httpSnapshotSource(origin: OriginEndpoint): SnapshotSource {
  return {
    async snapshot(environmentId) {
      const res = await call(
        origin,
        `/api/v1/delivery/environments/${encodeURIComponent(environmentId)}/snapshot`,
      );
      if (res.status === 404) return undefined;
      if (!res.ok)
        throw new Error(
          `snapshot of ${environmentId}: the origin answered ${res.status} ${await res.text()}`,
        );
      return (await res.json()) as EnvironmentSnapshot;
    },
  };
}

/**
 * Counts per POST: the origin takes at most 100,000 in an 8 MiB body, and a flush can hold 50,000
 * buckets with flag keys of up to 256 characters, which would be over the body limit in one.
 */
const INSIGHTS_PER_POST = 5_000;

export function httpInsightsSink(origin: OriginEndpoint): InsightsSink {
  return {
    async record(counts: readonly InsightCount[]) {
      for (let at = 0; at < counts.length; at += INSIGHTS_PER_POST) {
        const res = await call(origin, '/api/v1/delivery/insights', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ counts: counts.slice(at, at + INSIGHTS_PER_POST) }),
        });
        if (!res.ok)
          throw new Error(`insights: the origin answered ${res.status} ${await res.text()}`);
      }
    },
  };
}

export function httpEdgeReportSink(origin: OriginEndpoint): (report: EdgeReport) => Promise<void> {
  return async (report) => {
    const res = await call(
      origin,
      `/api/v1/delivery/edges/${encodeURIComponent(report.id)}/report`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
      },
    );
    if (!res.ok)
      throw new Error(`edge report: the origin answered ${res.status} ${await res.text()}`);
  };
}
