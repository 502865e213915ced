import { compareStrings } from '../internal/compare-strings.js';
import { jsonCopy } from '../internal/json-copy.js';
import { auditLimit, changeLimit } from '../internal/limits.js';
import type { EdgeReport } from '@vexil/protocol';
import type {
  InsightCount,
  InsightQuery,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
  AuditEntry,
  AuditQuery,
  ChangeKind,
  ChangeRecord,
  EnvironmentRecord,
  EnvironmentSeq,
  EnvironmentSnapshot,
  FilterRecord,
  FlagRecord,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '../records.js';
import type { StoreReader } from '../store.js';
import type { ScheduleQuery, ScheduleRecord } from '../schedule-records.js';
import { getSchedule, listSchedules } from './memory-schedules.js';
import type { ChangeRequestQuery, ChangeRequestRecord } from '../change-requests.js';
import { getChangeRequest, listChangeRequests } from './memory-change-requests.js';
import { latestAudit, summarizeInsights } from './memory-summary.js';
import { environmentPrefix, flagId, itemId, segmentId, type Tables } from './memory-tables.js';

/** Reads over one view of the tables: the committed state, or a transaction's draft. */
export class MemoryReader implements StoreReader {
  constructor(protected readonly view: () => Tables) {}

  async listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return listSchedules(this.view(), query);
  }

  async getSchedule(projectKey: string, id: string): Promise<ScheduleRecord | undefined> {
    return getSchedule(this.view(), projectKey, id);
  }

  async listChangeRequests(query: ChangeRequestQuery): Promise<ChangeRequestRecord[]> {
    return listChangeRequests(this.view(), query);
  }

  async getChangeRequest(id: string): Promise<ChangeRequestRecord | undefined> {
    return getChangeRequest(this.view(), id);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const all = [...this.view().projects.values()];
    return jsonCopy(all.sort((a, b) => compareStrings(a.key, b.key)));
  }

  async getProject(projectKey: string): Promise<ProjectRecord | undefined> {
    return copyOrUndefined(this.view().projects.get(projectKey));
  }

  async listEnvironments(projectKey?: string): Promise<EnvironmentRecord[]> {
    const all = [...this.view().environments.values()].filter(
      (e) => projectKey === undefined || e.projectKey === projectKey,
    );
    all.sort((a, b) => compareStrings(a.projectKey, b.projectKey) || compareStrings(a.key, b.key));
    return jsonCopy(all);
  }

  async listEnvironmentSeqs(changedSince?: number): Promise<EnvironmentSeq[]> {
    const { environments, changes } = this.view();
    const changedAt = (id: string) => changes.get(id)?.at(-1)?.committedAt ?? 0;
    return [...environments.values()]
      .filter((e) => changedSince === undefined || changedAt(e.id) >= changedSince)
      .map((e) => ({ id: e.id, seq: e.seq }));
  }

  async getEnvironment(projectKey: string, key: string): Promise<EnvironmentRecord | undefined> {
    return copyOrUndefined(this.findEnvironment(projectKey, key));
  }

  async getEnvironmentById(environmentId: string): Promise<EnvironmentRecord | undefined> {
    return copyOrUndefined(this.view().environments.get(environmentId));
  }

  async listFlags(projectKey: string): Promise<FlagRecord[]> {
    const all = [...this.view().flags.values()].filter((f) => f.projectKey === projectKey);
    return jsonCopy(all.sort((a, b) => compareStrings(a.key, b.key)));
  }

  async getFlag(projectKey: string, flagKey: string): Promise<FlagRecord | undefined> {
    return copyOrUndefined(this.view().flags.get(flagId(projectKey, flagKey)));
  }

  async listFilters(projectKey: string): Promise<FilterRecord[]> {
    const all = [...this.view().filters.values()].filter((f) => f.projectKey === projectKey);
    return jsonCopy(all.sort((a, b) => compareStrings(a.key, b.key)));
  }

  async getFilter(projectKey: string, filterKey: string): Promise<FilterRecord | undefined> {
    return copyOrUndefined(this.view().filters.get(flagId(projectKey, filterKey)));
  }

  async listSegments(projectKey: string, environmentKey: string): Promise<SegmentRecord[]> {
    const env = this.findEnvironment(projectKey, environmentKey);
    if (env === undefined) return [];
    const prefix = environmentPrefix(env.id);
    const all = [...this.view().segments]
      .filter(([id]) => id.startsWith(prefix))
      .map(([, segment]) => withEnvironment(segment, env));
    return all.sort((a, b) => compareStrings(a.key, b.key));
  }

  async getSegment(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined> {
    const env = this.findEnvironment(projectKey, environmentKey);
    const segment = env && this.view().segments.get(segmentId(env.id, segmentKey));
    return env && segment && withEnvironment(segment, env);
  }

  async listTokens(): Promise<TokenRecord[]> {
    const all = [...this.view().tokens.values()];
    return jsonCopy(all.sort((a, b) => a.createdAt - b.createdAt || compareStrings(a.id, b.id)));
  }

  async getTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const matches = [...this.view().tokens.values()].filter((t) => t.hash === hash);
    return copyOrUndefined(matches.sort((a, b) => compareStrings(a.id, b.id))[0]);
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const limit = auditLimit(query.limit);
    const found: AuditEntry[] = [];
    const audit = this.view().audit;
    for (let i = audit.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = audit[i];
      if (entry !== undefined && matchesAudit(entry, query)) found.push(entry);
    }
    return jsonCopy(found);
  }

  async listEdgeReports(since: number): Promise<EdgeReport[]> {
    const reports = [...this.view().edgeReports.values()].filter((r) => r.reportedAt >= since);
    return jsonCopy(reports.sort((a, b) => compareStrings(a.id, b.id)));
  }

  async listInsights(query: InsightQuery): Promise<InsightCount[]> {
    const found = [...this.view().insights.values()].filter(
      (c) =>
        c.environmentId === query.environmentId &&
        c.flagKey === query.flagKey &&
        (query.from === undefined || c.bucketStart >= query.from) &&
        (query.to === undefined || c.bucketStart < query.to),
    );
    found.sort(
      (a, b) => a.bucketStart - b.bucketStart || (a.variation ?? -1) - (b.variation ?? -1),
    );
    return jsonCopy(found);
  }

  async summarizeInsights(query: InsightSummaryQuery): Promise<InsightSummary[]> {
    return summarizeInsights(this.view(), query);
  }

  async listLatestAudit(query: LatestAuditQuery): Promise<AuditEntry[]> {
    return latestAudit(this.view(), query);
  }

  async listChanges(
    environmentId: string,
    afterSeq: number,
    limit: number,
  ): Promise<ChangeRecord[]> {
    const log = this.view().changes.get(environmentId) ?? [];
    const page = log.filter((c) => c.seq > afterSeq).slice(0, changeLimit(limit));
    return jsonCopy(page);
  }

  async getSnapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined> {
    const tables = this.view();
    const env = tables.environments.get(environmentId);
    if (env === undefined) return undefined;
    const prefix = environmentPrefix(environmentId);
    const items = [...tables.items]
      .filter(([id]) => id.startsWith(prefix))
      .map(([, item]) => item)
      .sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.key, b.key));
    return jsonCopy({ environmentId, seq: env.seq, items });
  }

  async getItemVersion(environmentId: string, kind: ChangeKind, key: string): Promise<number> {
    return this.view().items.get(itemId(environmentId, kind, key))?.version ?? 0;
  }

  protected findEnvironment(projectKey: string, key: string): EnvironmentRecord | undefined {
    for (const env of this.view().environments.values()) {
      if (env.projectKey === projectKey && env.key === key) return env;
    }
    return undefined;
  }
}

function copyOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : jsonCopy(value);
}

function withEnvironment(segment: SegmentRecord, env: EnvironmentRecord): SegmentRecord {
  return { ...jsonCopy(segment), projectKey: env.projectKey, environmentKey: env.key };
}

function matchesAudit(entry: AuditEntry, q: AuditQuery): boolean {
  return (
    (q.projectKey === undefined || entry.projectKey === q.projectKey) &&
    (q.environmentKey === undefined || entry.environmentKey === q.environmentKey) &&
    (q.resourceKind === undefined || entry.resourceKind === q.resourceKind) &&
    (q.resourceKey === undefined || entry.resourceKey === q.resourceKey) &&
    (q.from === undefined || entry.at >= q.from) &&
    (q.to === undefined || entry.at < q.to) &&
    (q.before === undefined || entry.id < q.before)
  );
}
