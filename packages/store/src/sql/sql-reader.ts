import { changeLimit } from '../internal/limits.js';
import type {
  AuditEntry,
  AuditQuery,
  ChangeKind,
  ChangeRecord,
  EnvironmentRecord,
  EnvironmentSeq,
  EnvironmentSnapshot,
  FilterRecord,
  FlagRecord,
  InsightCount,
  InsightQuery,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '../records.js';
import type { StoreReader } from '../store.js';
import type { ScheduleQuery, ScheduleRecord } from '../schedule-records.js';
import { selectSchedule, selectSchedules } from './schedules-sql.js';
import type { EdgeReport } from '@vexil/protocol';
import { auditSelect } from './audit-query.js';
import type { ChangeRequestQuery, ChangeRequestRecord } from '../change-requests.js';
import { selectChangeRequest, selectChangeRequests } from './change-requests-sql.js';
import { selectInsights } from './insights-sql.js';
import { selectLatestAudit, summarizeInsights } from './insight-summary-sql.js';
import {
  auditFromRow,
  CHANGE_COLUMNS,
  changeFromRow,
  edgeReportFromRow,
  ENVIRONMENT_COLUMNS,
  environmentFromRow,
  filterFromRow,
  flagFromRow,
  itemFromRow,
  PROJECT_COLUMNS,
  projectFromRow,
  segmentFromRow,
  tokenFromRow,
} from './rows.js';
import type { SnapshotScope, SqlExecutor, SqlRow } from './sql-executor.js';

const SEGMENT_SELECT = `SELECT s.doc, e.project_key, e.key AS environment_key
  FROM segments s JOIN environments e ON e.id = s.environment_id
  WHERE e.project_key = $1 AND e.key = $2`;

/** StoreReader in SQL common to SQLite and PostgreSQL; the executor decides which connection. */
export class SqlReader implements StoreReader {
  constructor(
    protected readonly exec: SqlExecutor,
    private readonly snapshotScope: SnapshotScope,
  ) {}

  listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return selectSchedules(this.exec, query);
  }

  getSchedule(projectKey: string, id: string): Promise<ScheduleRecord | undefined> {
    return selectSchedule(this.exec, projectKey, id, '');
  }

  listChangeRequests(query: ChangeRequestQuery): Promise<ChangeRequestRecord[]> {
    return selectChangeRequests(this.exec, query);
  }

  getChangeRequest(id: string): Promise<ChangeRequestRecord | undefined> {
    return selectChangeRequest(this.exec, id, '');
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.exec.query(`SELECT ${PROJECT_COLUMNS} FROM projects ORDER BY key`);
    return rows.map(projectFromRow);
  }

  async getProject(projectKey: string): Promise<ProjectRecord | undefined> {
    const sql = `SELECT ${PROJECT_COLUMNS} FROM projects WHERE key = $1`;
    return first(await this.exec.query(sql, [projectKey]), projectFromRow);
  }

  async listEnvironments(projectKey?: string): Promise<EnvironmentRecord[]> {
    if (projectKey !== undefined) return this.selectEnvironments(projectKey, '');
    const sql = `SELECT ${ENVIRONMENT_COLUMNS} FROM environments ORDER BY project_key, key`;
    return (await this.exec.query(sql)).map(environmentFromRow);
  }

  async listEnvironmentSeqs(changedSince?: number): Promise<EnvironmentSeq[]> {
    const rows =
      changedSince === undefined
        ? await this.exec.query('SELECT id, seq FROM environments')
        : await this.exec.query('SELECT id, seq FROM environments WHERE changed_at >= $1', [
            changedSince,
          ]);
    return rows.map((row) => ({ id: String(row.id), seq: Number(row.seq) }));
  }

  getEnvironment(projectKey: string, key: string): Promise<EnvironmentRecord | undefined> {
    return this.selectEnvironment(projectKey, key, '');
  }

  getEnvironmentById(environmentId: string): Promise<EnvironmentRecord | undefined> {
    return this.selectEnvironmentById(environmentId, '');
  }

  listFlags(projectKey: string): Promise<FlagRecord[]> {
    return this.selectFlags(projectKey, '');
  }

  getFlag(projectKey: string, flagKey: string): Promise<FlagRecord | undefined> {
    return this.selectFlag(projectKey, flagKey, '');
  }

  async listFilters(projectKey: string): Promise<FilterRecord[]> {
    const sql = 'SELECT doc FROM filters WHERE project_key = $1 ORDER BY key';
    return (await this.exec.query(sql, [projectKey])).map(filterFromRow);
  }

  getFilter(projectKey: string, filterKey: string): Promise<FilterRecord | undefined> {
    return this.selectFilter(projectKey, filterKey, '');
  }

  async listSegments(projectKey: string, environmentKey: string): Promise<SegmentRecord[]> {
    const rows = await this.exec.query(`${SEGMENT_SELECT} ORDER BY s.key`, [
      projectKey,
      environmentKey,
    ]);
    return rows.map(segmentFromRow);
  }

  async getSegment(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined> {
    const sql = `${SEGMENT_SELECT} AND s.key = $3`;
    const rows = await this.exec.query(sql, [projectKey, environmentKey, segmentKey]);
    return first(rows, segmentFromRow);
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.exec.query('SELECT doc FROM tokens ORDER BY created_at, id');
    return rows.map(tokenFromRow);
  }

  async getTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const sql = 'SELECT doc FROM tokens WHERE hash = $1 ORDER BY id LIMIT 1';
    return first(await this.exec.query(sql, [hash]), tokenFromRow);
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const { sql, params } = auditSelect(query);
    return (await this.exec.query(sql, params)).map(auditFromRow);
  }

  async listEdgeReports(since: number): Promise<EdgeReport[]> {
    const rows = await this.exec.query(
      'SELECT doc FROM edge_reports WHERE reported_at >= $1 ORDER BY id',
      [since],
    );
    return rows.map(edgeReportFromRow);
  }

  listInsights(query: InsightQuery): Promise<InsightCount[]> {
    return selectInsights(this.exec, query);
  }

  summarizeInsights(query: InsightSummaryQuery): Promise<InsightSummary[]> {
    return summarizeInsights(this.exec, query);
  }

  listLatestAudit(query: LatestAuditQuery): Promise<AuditEntry[]> {
    return selectLatestAudit(this.exec, query);
  }

  async listChanges(
    environmentId: string,
    afterSeq: number,
    limit: number,
  ): Promise<ChangeRecord[]> {
    const sql = `SELECT ${CHANGE_COLUMNS} FROM changes
      WHERE environment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;
    const rows = await this.exec.query(sql, [environmentId, afterSeq, changeLimit(limit)]);
    return rows.map(changeFromRow);
  }

  getSnapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined> {
    return this.snapshotScope(async (exec, lock) => {
      const envSql = `SELECT seq FROM environments WHERE id = $1 ${lock}`;
      const env = (await exec.query(envSql, [environmentId]))[0];
      if (env === undefined) return undefined;
      const itemsSql = `SELECT kind, key, version, item FROM env_items
        WHERE environment_id = $1 ORDER BY kind, key`;
      const items = (await exec.query(itemsSql, [environmentId])).map(itemFromRow);
      return { environmentId, seq: Number(env.seq), items };
    });
  }

  async getItemVersion(environmentId: string, kind: ChangeKind, key: string): Promise<number> {
    const sql =
      'SELECT version FROM env_items WHERE environment_id = $1 AND kind = $2 AND key = $3';
    const row = (await this.exec.query(sql, [environmentId, kind, key]))[0];
    return row === undefined ? 0 : Number(row.version);
  }

  protected async selectEnvironment(
    projectKey: string,
    key: string,
    lock: string,
  ): Promise<EnvironmentRecord | undefined> {
    const sql = `SELECT ${ENVIRONMENT_COLUMNS} FROM environments
      WHERE project_key = $1 AND key = $2 ${lock}`;
    return first(await this.exec.query(sql, [projectKey, key]), environmentFromRow);
  }

  /** A project's environments in key order (locked in that order with `lock`). */
  protected async selectEnvironments(
    projectKey: string,
    lock: string,
  ): Promise<EnvironmentRecord[]> {
    const sql = `SELECT ${ENVIRONMENT_COLUMNS} FROM environments
      WHERE project_key = $1 ORDER BY key ${lock}`;
    return (await this.exec.query(sql, [projectKey])).map(environmentFromRow);
  }

  protected async selectEnvironmentById(
    environmentId: string,
    lock: string,
  ): Promise<EnvironmentRecord | undefined> {
    const sql = `SELECT ${ENVIRONMENT_COLUMNS} FROM environments WHERE id = $1 ${lock}`;
    return first(await this.exec.query(sql, [environmentId]), environmentFromRow);
  }

  /** A project's flags in key order (locked in that order with `lock`). */
  protected async selectFlags(projectKey: string, lock: string): Promise<FlagRecord[]> {
    const sql = `SELECT doc FROM flags WHERE project_key = $1 ORDER BY key ${lock}`;
    return (await this.exec.query(sql, [projectKey])).map(flagFromRow);
  }

  protected async selectFilter(
    projectKey: string,
    filterKey: string,
    lock: string,
  ): Promise<FilterRecord | undefined> {
    const sql = `SELECT doc FROM filters WHERE project_key = $1 AND key = $2 ${lock}`;
    return first(await this.exec.query(sql, [projectKey, filterKey]), filterFromRow);
  }

  protected async selectFlag(
    projectKey: string,
    flagKey: string,
    lock: string,
  ): Promise<FlagRecord | undefined> {
    const sql = `SELECT doc FROM flags WHERE project_key = $1 AND key = $2 ${lock}`;
    return first(await this.exec.query(sql, [projectKey, flagKey]), flagFromRow);
  }
}

function first<T>(rows: SqlRow[], map: (row: SqlRow) => T): T | undefined {
  const row = rows[0];
  return row === undefined ? undefined : map(row);
}
