import {
  alreadyExists,
  environmentKeyTaken,
  notFound,
  versionConflict,
} from '../internal/errors.js';
import { jsonCopy } from '../internal/json-copy.js';
import type { EdgeReport } from '@vexil/protocol';
import type {
  InsightCount,
  InsightRetentionBounds,
  ChangeRecord,
  DirectorySubject,
  EnvironmentRecord,
  FilterRecord,
  FlagRecord,
  NewAuditEntry,
  NewChange,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '../records.js';
import type { StoreTransaction } from '../store.js';
import type { ScheduleRecord } from '../schedule-records.js';
import { dueSchedules, putSchedule } from './memory-schedules.js';
import type { ChangeRequestRecord } from '../change-requests.js';
import { putChangeRequest } from './memory-change-requests.js';
import { MemoryReader } from './memory-reader.js';
import {
  environmentPrefix,
  flagId,
  insightId,
  itemId,
  segmentId,
  type Draft,
  type TableName,
  type Tables,
} from './memory-tables.js';

const HOUR_MS = 3_600_000;

/** Writes into a draft; the store swaps the draft in on commit. Writers are already serialized. */
export class MemoryTransaction extends MemoryReader implements StoreTransaction {
  constructor(
    private readonly draft: Draft,
    private readonly now: () => number,
  ) {
    super(() => draft.tables);
  }

  getFlagForUpdate(projectKey: string, flagKey: string): Promise<FlagRecord | undefined> {
    return this.getFlag(projectKey, flagKey);
  }

  getScheduleForUpdate(projectKey: string, id: string): Promise<ScheduleRecord | undefined> {
    return this.getSchedule(projectKey, id);
  }

  async putSchedule(schedule: ScheduleRecord): Promise<void> {
    putSchedule(this.view(), () => this.write('schedules'), schedule);
  }

  async claimDueSchedules(dueBy: number, limit: number): Promise<ScheduleRecord[]> {
    return dueSchedules(this.view(), dueBy, limit);
  }

  getChangeRequestForUpdate(id: string): Promise<ChangeRequestRecord | undefined> {
    return this.getChangeRequest(id);
  }

  async putChangeRequest(request: ChangeRequestRecord): Promise<void> {
    putChangeRequest(this.view(), () => this.write('changeRequests'), request);
  }

  getFilterForUpdate(projectKey: string, filterKey: string): Promise<FilterRecord | undefined> {
    return this.getFilter(projectKey, filterKey);
  }

  getSegmentForUpdate(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined> {
    return this.getSegment(projectKey, environmentKey, segmentKey);
  }

  getEnvironmentForUpdate(
    projectKey: string,
    environmentKey: string,
  ): Promise<EnvironmentRecord | undefined> {
    return this.getEnvironment(projectKey, environmentKey);
  }

  // Memory transactions run one at a time: reading is locking.
  getEnvironmentByIdForUpdate(environmentId: string): Promise<EnvironmentRecord | undefined> {
    return this.getEnvironmentById(environmentId);
  }

  listEnvironmentsForUpdate(projectKey: string): Promise<EnvironmentRecord[]> {
    return this.listEnvironments(projectKey);
  }

  listFlagsForUpdate(projectKey: string): Promise<FlagRecord[]> {
    return this.listFlags(projectKey);
  }

  async putProject(project: ProjectRecord): Promise<void> {
    this.write('projects').set(project.key, jsonCopy(project));
  }

  async createProject(project: ProjectRecord): Promise<void> {
    if (this.view().projects.has(project.key)) throw alreadyExists(`project "${project.key}"`);
    await this.putProject(project);
  }

  async deleteProject(projectKey: string): Promise<void> {
    this.write('projects').delete(projectKey);
    for (const env of [...this.view().environments.values()]) {
      if (env.projectKey === projectKey) this.removeEnvironment(env.id);
    }
    for (const name of ['flags', 'filters', 'schedules', 'changeRequests'] as const) {
      const table = this.write(name);
      for (const [id, record] of [...table]) if (record.projectKey === projectKey) table.delete(id);
    }
  }

  async putEnvironment(environment: EnvironmentRecord): Promise<void> {
    const { projectKey, key, id } = environment;
    if (!this.view().projects.has(projectKey)) throw notFound(`project "${projectKey}"`);
    const clash = this.findEnvironment(projectKey, key);
    if (clash !== undefined && clash.id !== id) throw environmentKeyTaken(projectKey, key);
    const seq = this.view().environments.get(id)?.seq ?? 0;
    const stored: EnvironmentRecord = { ...jsonCopy(environment), seq };
    // Kept only when on, as the SQL stores read it back.
    if (stored.requireApproval !== true) delete stored.requireApproval;
    this.write('environments').set(id, stored);
    this.mark({ kind: 'environment', id });
  }

  async deleteEnvironment(projectKey: string, environmentKey: string): Promise<void> {
    const env = this.findEnvironment(projectKey, environmentKey);
    if (env !== undefined) this.removeEnvironment(env.id);
  }

  async putFlag(flag: FlagRecord): Promise<void> {
    if (!this.view().projects.has(flag.projectKey)) throw notFound(`project "${flag.projectKey}"`);
    this.write('flags').set(flagId(flag.projectKey, flag.key), jsonCopy(flag));
  }

  async createFlag(flag: FlagRecord): Promise<void> {
    if (this.view().flags.has(flagId(flag.projectKey, flag.key))) {
      throw alreadyExists(`flag "${flag.key}" in project "${flag.projectKey}"`);
    }
    await this.putFlag(flag);
  }

  async deleteFlag(projectKey: string, flagKey: string): Promise<void> {
    this.write('flags').delete(flagId(projectKey, flagKey));
  }

  async putFilter(filter: FilterRecord): Promise<void> {
    if (!this.view().projects.has(filter.projectKey))
      throw notFound(`project "${filter.projectKey}"`);
    this.write('filters').set(flagId(filter.projectKey, filter.key), jsonCopy(filter));
  }

  async createFilter(filter: FilterRecord): Promise<void> {
    if (this.view().filters.has(flagId(filter.projectKey, filter.key))) {
      throw alreadyExists(`payload filter "${filter.key}" in project "${filter.projectKey}"`);
    }
    await this.putFilter(filter);
  }

  async deleteFilter(projectKey: string, filterKey: string): Promise<void> {
    this.write('filters').delete(flagId(projectKey, filterKey));
  }

  async putSegment(segment: SegmentRecord): Promise<void> {
    const env = this.findEnvironment(segment.projectKey, segment.environmentKey);
    if (env === undefined) {
      throw notFound(`environment "${segment.environmentKey}" of project "${segment.projectKey}"`);
    }
    this.write('segments').set(segmentId(env.id, segment.key), jsonCopy(segment));
  }

  async deleteSegment(projectKey: string, environmentKey: string, key: string): Promise<void> {
    const env = this.findEnvironment(projectKey, environmentKey);
    if (env !== undefined) this.write('segments').delete(segmentId(env.id, key));
  }

  async getTokenForUpdate(id: string): Promise<TokenRecord | undefined> {
    const token = this.view().tokens.get(id);
    return token === undefined ? undefined : jsonCopy(token);
  }

  async putToken(token: TokenRecord, options?: { readonly directory?: boolean }): Promise<void> {
    this.write('tokens').set(token.id, jsonCopy(token));
    if (options?.directory !== false) this.mark({ kind: 'token', hash: token.hash });
  }

  async appendAudit(entry: NewAuditEntry): Promise<number> {
    const audit = this.write('audit');
    const id = audit.length + 1;
    audit.push({ ...jsonCopy(entry), id });
    return id;
  }

  async putEdgeReport(report: EdgeReport): Promise<void> {
    this.write('edgeReports').set(report.id, jsonCopy(report));
  }

  async addInsights(counts: readonly InsightCount[]): Promise<void> {
    const insights = this.write('insights');
    for (const c of counts) {
      const id = insightId(c.environmentId, c.flagKey, c.bucketStart, c.variation);
      insights.set(id, { ...c, count: (insights.get(id)?.count ?? 0) + c.count });
    }
  }

  async compactInsights({ rollUpBefore, deleteBefore }: InsightRetentionBounds): Promise<void> {
    const insights = this.write('insights');
    for (const [id, c] of [...insights]) {
      if (c.bucketStart < deleteBefore) {
        insights.delete(id);
      } else if (c.bucketStart < rollUpBefore && c.bucketStart % HOUR_MS !== 0) {
        insights.delete(id);
        const hour = c.bucketStart - (c.bucketStart % HOUR_MS);
        const into = insightId(c.environmentId, c.flagKey, hour, c.variation);
        insights.set(into, {
          ...c,
          bucketStart: hour,
          count: (insights.get(into)?.count ?? 0) + c.count,
        });
      }
    }
  }

  async appendChange(environmentId: string, change: NewChange): Promise<ChangeRecord> {
    const committedAt = this.now();
    const env = this.view().environments.get(environmentId);
    if (env === undefined) throw notFound(`environment "${environmentId}"`);
    const { kind, key, version } = change;
    const current = await this.getItemVersion(environmentId, kind, key);
    if (version <= current) throw versionConflict(key, version, current);
    const seq = env.seq + 1;
    const item = jsonCopy(change.item);
    this.write('environments').set(environmentId, { ...env, seq });
    this.write('items').set(itemId(environmentId, kind, key), { kind, key, version, item });
    const record: ChangeRecord = { environmentId, seq, kind, key, version, item, committedAt };
    if (change.trace !== undefined) record.trace = change.trace;
    this.draft.changeLog(environmentId).push(record);
    return jsonCopy(record);
  }

  private write<K extends TableName>(name: K): Tables[K] {
    return this.draft.writable(name);
  }

  private mark(subject: DirectorySubject): void {
    const tables = this.view();
    tables.lastDirectoryMarkId += 1;
    this.write('directoryMarks').push({ id: tables.lastDirectoryMarkId, subject });
  }

  private removeEnvironment(environmentId: string): void {
    this.write('environments').delete(environmentId);
    const prefix = environmentPrefix(environmentId);
    for (const name of ['segments', 'items', 'insights'] as const) {
      const table = this.write(name);
      for (const id of [...table.keys()]) if (id.startsWith(prefix)) table.delete(id);
    }
    this.write('changes').delete(environmentId);
    this.mark({ kind: 'environment', id: environmentId });
  }
}
