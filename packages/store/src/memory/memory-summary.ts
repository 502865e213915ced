import { compareStrings } from '../internal/compare-strings.js';
import { jsonCopy } from '../internal/json-copy.js';
import type {
  AuditEntry,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
} from '../records.js';
import type { Tables } from './memory-tables.js';

// The memory store's forms of the stale-flags report's aggregate reads (sql/insight-summary-sql.ts).

export function summarizeInsights(tables: Tables, query: InsightSummaryQuery): InsightSummary[] {
  const environments = new Set(query.environmentIds);
  const sums = new Map<string, InsightSummary>();
  for (const c of tables.insights.values()) {
    if (!environments.has(c.environmentId) || c.bucketStart < query.from) continue;
    const id = `${c.environmentId}\0${c.flagKey}\0${c.variation ?? -1}`;
    const sum = sums.get(id) ?? {
      environmentId: c.environmentId,
      flagKey: c.flagKey,
      variation: c.variation,
      count: 0,
      recentCount: 0,
      lastBucketStart: c.bucketStart,
    };
    sum.count += c.count;
    if (c.bucketStart >= query.recentFrom) sum.recentCount += c.count;
    sum.lastBucketStart = Math.max(sum.lastBucketStart, c.bucketStart);
    sums.set(id, sum);
  }
  return [...sums.values()].sort(
    (a, b) =>
      compareStrings(a.environmentId, b.environmentId) ||
      compareStrings(a.flagKey, b.flagKey) ||
      (a.variation ?? -1) - (b.variation ?? -1),
  );
}

export function latestAudit(tables: Tables, query: LatestAuditQuery): AuditEntry[] {
  const latest = new Map<string, AuditEntry>();
  for (const entry of tables.audit) {
    if (entry.projectKey !== query.projectKey || entry.resourceKind !== query.resourceKind)
      continue;
    const seen = latest.get(entry.resourceKey);
    if (seen === undefined || entry.id > seen.id) latest.set(entry.resourceKey, entry);
  }
  return jsonCopy(
    [...latest.values()].sort((a, b) => compareStrings(a.resourceKey, b.resourceKey)),
  );
}
