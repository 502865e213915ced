import { environmentKeyTaken, notFound, versionConflict } from '../internal/errors.js';
import type { EdgeReport } from '@vexil/protocol';
import type {
  InsightCount,
  InsightRetentionBounds,
  ChangeRecord,
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
import { claimDueSchedules, selectSchedule, upsertSchedule } from './schedules-sql.js';
import { insertDirectoryMark, markEnvironments } from './directory-marks-sql.js';
import {
  ENVIRONMENT_COLUMNS,
  environmentParams,
  segmentFromRow,
  toJson,
  tokenFromRow,
} from './rows.js';
import type { SqlExecutor, SqlLocks } from './sql-executor.js';
import { addInsights, compactInsights } from './insights-sql.js';
import { selectChangeRequest, upsertChangeRequest } from './change-requests-sql.js';
import type { ChangeRequestRecord } from '../change-requests.js';
import { SqlReader } from './sql-reader.js';

/**
 * StoreTransaction in SQL common to SQLite and PostgreSQL, on the connection that holds the
 * open transaction. Reads here see this transaction's own writes.
 */
export class SqlTransaction extends SqlReader implements StoreTransaction {
  constructor(
    exec: SqlExecutor,
    private readonly locks: SqlLocks,
    private readonly now: () => number,
  ) {
    // Inside a transaction the snapshot is read on the same connection, the environment row
    // share-locked so that no append to it can commit between the two reads.
    super(exec, (read) => read(exec, locks.forShare));
  }

  getFlagForUpdate(projectKey: string, flagKey: string): Promise<FlagRecord | undefined> {
    return this.selectFlag(projectKey, flagKey, this.locks.forUpdate);
  }

  getScheduleForUpdate(projectKey: string, id: string): Promise<ScheduleRecord | undefined> {
    return selectSchedule(this.exec, projectKey, id, this.locks.forUpdate);
  }

  putSchedule(schedule: ScheduleRecord): Promise<void> {
    return upsertSchedule(this.exec, schedule);
  }

  claimDueSchedules(dueBy: number, limit: number): Promise<ScheduleRecord[]> {
    return claimDueSchedules(this.exec, this.locks.forUpdate, dueBy, limit);
  }

  getFilterForUpdate(projectKey: string, filterKey: string): Promise<FilterRecord | undefined> {
    return this.selectFilter(projectKey, filterKey, this.locks.forUpdate);
  }

  async getSegmentForUpdate(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined> {
    // Two single-table reads so that only the segment row is locked, not its environment.
    const environmentId = await this.environmentId(projectKey, environmentKey);
    if (environmentId === undefined) return undefined;
    const sql = `SELECT doc FROM segments
      WHERE environment_id = $1 AND key = $2 ${this.locks.forUpdate}`;
    const row = (await this.exec.query(sql, [environmentId, segmentKey]))[0];
    if (row === undefined) return undefined;
    return segmentFromRow({ ...row, project_key: projectKey, environment_key: environmentKey });
  }

  getEnvironmentForUpdate(
    projectKey: string,
    environmentKey: string,
  ): Promise<EnvironmentRecord | undefined> {
    return this.selectEnvironment(projectKey, environmentKey, this.locks.forUpdate);
  }

  getEnvironmentByIdForUpdate(environmentId: string): Promise<EnvironmentRecord | undefined> {
    return this.selectEnvironmentById(environmentId, this.locks.forUpdate);
  }

  listEnvironmentsForUpdate(projectKey: string): Promise<EnvironmentRecord[]> {
    return this.selectEnvironments(projectKey, this.locks.forUpdate);
  }

  listFlagsForUpdate(projectKey: string): Promise<FlagRecord[]> {
    return this.selectFlags(projectKey, this.locks.forUpdate);
  }

  async putProject(project: ProjectRecord): Promise<void> {
    await this.exec.query(
      `INSERT INTO projects (key, name, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET name = excluded.name, created_at = excluded.created_at`,
      [project.key, project.name, project.createdAt],
    );
  }

  async createProject(project: ProjectRecord): Promise<void> {
    await this.exec.query('INSERT INTO projects (key, name, created_at) VALUES ($1, $2, $3)', [
      project.key,
      project.name,
      project.createdAt,
    ]);
  }

  async deleteProject(projectKey: string): Promise<void> {
    await markEnvironments(this.exec, 'project_key = $1', [projectKey]);
    // Foreign keys cascade to environments, flags, segments, env_items and changes.
    await this.exec.query('DELETE FROM projects WHERE key = $1', [projectKey]);
  }

  async putEnvironment(environment: EnvironmentRecord): Promise<void> {
    const { id, projectKey, key } = environment;
    await this.requireProject(projectKey);
    const clash = await this.exec.query(
      'SELECT id FROM environments WHERE project_key = $1 AND key = $2 AND id <> $3',
      [projectKey, key, id],
    );
    if (clash.length > 0) throw environmentKeyTaken(projectKey, key);
    const columns = ENVIRONMENT_COLUMNS.replace(', seq', '');
    await this.exec.query(
      `INSERT INTO environments (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET project_key = excluded.project_key, key = excluded.key,
         name = excluded.name, sdk_key = excluded.sdk_key, mobile_key = excluded.mobile_key,
         expiring_sdk_key = excluded.expiring_sdk_key,
         expiring_mobile_key = excluded.expiring_mobile_key, secure_mode = excluded.secure_mode,
         require_approval = excluded.require_approval,
         created_at = excluded.created_at`,
      environmentParams(environment),
    );
    await insertDirectoryMark(this.exec, { kind: 'environment', id });
  }

  async deleteEnvironment(projectKey: string, environmentKey: string): Promise<void> {
    await markEnvironments(this.exec, 'project_key = $1 AND key = $2', [
      projectKey,
      environmentKey,
    ]);
    // Foreign keys cascade to the environment's segments, env_items and changes.
    const sql = 'DELETE FROM environments WHERE project_key = $1 AND key = $2';
    await this.exec.query(sql, [projectKey, environmentKey]);
  }

  async putFlag(flag: FlagRecord): Promise<void> {
    await this.requireProject(flag.projectKey);
    await this.exec.query(
      `INSERT INTO flags (project_key, key, doc) VALUES ($1, $2, $3)
       ON CONFLICT (project_key, key) DO UPDATE SET doc = excluded.doc`,
      [flag.projectKey, flag.key, toJson(flag)],
    );
  }

  async createFlag(flag: FlagRecord): Promise<void> {
    await this.requireProject(flag.projectKey);
    await this.exec.query('INSERT INTO flags (project_key, key, doc) VALUES ($1, $2, $3)', [
      flag.projectKey,
      flag.key,
      toJson(flag),
    ]);
  }

  async deleteFlag(projectKey: string, flagKey: string): Promise<void> {
    const sql = 'DELETE FROM flags WHERE project_key = $1 AND key = $2';
    await this.exec.query(sql, [projectKey, flagKey]);
  }

  async putFilter(filter: FilterRecord): Promise<void> {
    await this.requireProject(filter.projectKey);
    await this.exec.query(
      `INSERT INTO filters (project_key, key, doc) VALUES ($1, $2, $3)
       ON CONFLICT (project_key, key) DO UPDATE SET doc = excluded.doc`,
      [filter.projectKey, filter.key, toJson(filter)],
    );
  }

  async createFilter(filter: FilterRecord): Promise<void> {
    await this.requireProject(filter.projectKey);
    await this.exec.query('INSERT INTO filters (project_key, key, doc) VALUES ($1, $2, $3)', [
      filter.projectKey,
      filter.key,
      toJson(filter),
    ]);
  }

  async deleteFilter(projectKey: string, filterKey: string): Promise<void> {
    const sql = 'DELETE FROM filters WHERE project_key = $1 AND key = $2';
    await this.exec.query(sql, [projectKey, filterKey]);
  }

  async putSegment(segment: SegmentRecord): Promise<void> {
    const { projectKey, environmentKey } = segment;
    const environmentId = await this.environmentId(projectKey, environmentKey);
    if (environmentId === undefined) {
      throw notFound(`environment "${environmentKey}" of project "${projectKey}"`);
    }
    await this.exec.query(
      `INSERT INTO segments (environment_id, key, doc) VALUES ($1, $2, $3)
       ON CONFLICT (environment_id, key) DO UPDATE SET doc = excluded.doc`,
      [environmentId, segment.key, toJson(segment)],
    );
  }

  async deleteSegment(projectKey: string, environmentKey: string, key: string): Promise<void> {
    const environmentId = await this.environmentId(projectKey, environmentKey);
    if (environmentId === undefined) return;
    const sql = 'DELETE FROM segments WHERE environment_id = $1 AND key = $2';
    await this.exec.query(sql, [environmentId, key]);
  }

  async getTokenForUpdate(id: string): Promise<TokenRecord | undefined> {
    const sql = `SELECT doc FROM tokens WHERE id = $1 ${this.locks.forUpdate}`;
    const row = (await this.exec.query(sql, [id]))[0];
    return row === undefined ? undefined : tokenFromRow(row);
  }

  async putToken(token: TokenRecord, options?: { readonly directory?: boolean }): Promise<void> {
    await this.exec.query(
      `INSERT INTO tokens (id, hash, created_at, doc) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at,
         doc = excluded.doc`,
      [token.id, token.hash, token.createdAt, toJson(token)],
    );
    if (options?.directory !== false)
      await insertDirectoryMark(this.exec, { kind: 'token', hash: token.hash });
  }

  async appendAudit(entry: NewAuditEntry): Promise<number> {
    const rows = await this.exec.query(
      `INSERT INTO audit (at, project_key, environment_key, resource_kind, resource_key, doc)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        entry.at,
        entry.projectKey ?? null,
        entry.environmentKey ?? null,
        entry.resourceKind,
        entry.resourceKey,
        toJson(entry),
      ],
    );
    return Number(rows[0]?.id);
  }

  addInsights(counts: readonly InsightCount[]): Promise<void> {
    return addInsights(this.exec, counts);
  }

  compactInsights(bounds: InsightRetentionBounds): Promise<void> {
    return compactInsights(this.exec, bounds);
  }

  async putEdgeReport(report: EdgeReport): Promise<void> {
    await this.exec.query(
      `INSERT INTO edge_reports (id, reported_at, doc) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET reported_at = excluded.reported_at, doc = excluded.doc`,
      [report.id, report.reportedAt, toJson(report)],
    );
  }

  async appendChange(environmentId: string, change: NewChange): Promise<ChangeRecord> {
    const { kind, key, version } = change;
    const committedAt = this.now();
    // Lock the environment first: every appender to it queues here, so the version read
    // below is the latest committed one, and the check happens before anything is written
    // (a caught VERSION_CONFLICT leaves the transaction usable and the seq untouched).
    const lockSql = `SELECT seq FROM environments WHERE id = $1 ${this.locks.forUpdate}`;
    if ((await this.exec.query(lockSql, [environmentId])).length === 0) {
      throw notFound(`environment "${environmentId}"`);
    }
    const current = await this.getItemVersion(environmentId, kind, key);
    if (version <= current) throw versionConflict(key, version, current);
    const seqRows = await this.exec.query(
      'UPDATE environments SET seq = seq + 1, changed_at = $2 WHERE id = $1 RETURNING seq',
      [environmentId, committedAt],
    );
    const seq = Number(seqRows[0]?.seq);
    const item = toJson(change.item);
    await this.exec.query(
      `INSERT INTO env_items (environment_id, kind, key, version, item) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (environment_id, kind, key)
       DO UPDATE SET version = excluded.version, item = excluded.item`,
      [environmentId, kind, key, version, item],
    );
    const trace = change.trace ?? null;
    await this.exec.query(
      `INSERT INTO changes (environment_id, seq, kind, key, version, item, committed_at, trace)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [environmentId, seq, kind, key, version, item, committedAt, trace],
    );
    const record: ChangeRecord = {
      environmentId,
      seq,
      kind,
      key,
      version,
      item: JSON.parse(item),
      committedAt,
    };
    if (change.trace !== undefined) record.trace = change.trace;
    return record;
  }

  getChangeRequestForUpdate(id: string): Promise<ChangeRequestRecord | undefined> {
    return selectChangeRequest(this.exec, id, this.locks.forUpdate);
  }

  putChangeRequest(request: ChangeRequestRecord): Promise<void> {
    return upsertChangeRequest(this.exec, request);
  }

  private async requireProject(projectKey: string): Promise<void> {
    const rows = await this.exec.query('SELECT 1 AS found FROM projects WHERE key = $1', [
      projectKey,
    ]);
    if (rows.length === 0) throw notFound(`project "${projectKey}"`);
  }

  private async environmentId(projectKey: string, key: string): Promise<string | undefined> {
    const sql = 'SELECT id FROM environments WHERE project_key = $1 AND key = $2';
    const row = (await this.exec.query(sql, [projectKey, key]))[0];
    return row === undefined ? undefined : String(row.id);
  }
}
