import type { EdgeReport } from '@vexil/protocol';
import type {
  AuditEntry,
  AuditQuery,
  ChangeRecord,
  DirectoryMark,
  EnvironmentRecord,
  EnvironmentSeq,
  EnvironmentSnapshot,
  FilterRecord,
  FlagRecord,
  InsightCount,
  InsightQuery,
  InsightRetentionBounds,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
  NewAuditEntry,
  NewChange,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from './records.js';
import type { ChangeRequestQuery, ChangeRequestRecord } from './change-requests.js';
import type { ScheduleQuery, ScheduleRecord } from './schedule-records.js';

/**
 * Reads that see committed data only. Inside a transaction the same methods see the
 * transaction's own writes, and the `ForUpdate` variants lock the row until commit so that
 * concurrent writers to one flag serialize instead of losing updates.
 */
export interface StoreReader {
  listProjects(): Promise<ProjectRecord[]>;
  getProject(projectKey: string): Promise<ProjectRecord | undefined>;

  listEnvironments(projectKey?: string): Promise<EnvironmentRecord[]>;
  /**
   * Each environment's id and seq; with `changedSince` (Unix ms), only those whose last change
   * was committed at or after it (what the outbox publisher sweeps for).
   */
  listEnvironmentSeqs(changedSince?: number): Promise<EnvironmentSeq[]>;
  getEnvironment(
    projectKey: string,
    environmentKey: string,
  ): Promise<EnvironmentRecord | undefined>;
  getEnvironmentById(environmentId: string): Promise<EnvironmentRecord | undefined>;

  /** Flags of a project, archived included, ordered by key. */
  listFlags(projectKey: string): Promise<FlagRecord[]>;
  getFlag(projectKey: string, flagKey: string): Promise<FlagRecord | undefined>;

  /** Segments of one environment, ordered by key. */
  listSegments(projectKey: string, environmentKey: string): Promise<SegmentRecord[]>;
  getSegment(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined>;

  /** A project's payload filters, by key. */
  listFilters(projectKey: string): Promise<FilterRecord[]>;
  getFilter(projectKey: string, filterKey: string): Promise<FilterRecord | undefined>;

  listTokens(): Promise<TokenRecord[]>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;

  /** Newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /**
   * The newest entry of each resource of the kind in the project (one aggregate query, not one
   * per resource), by resource key.
   */
  listLatestAudit(query: LatestAuditQuery): Promise<AuditEntry[]>;

  /** Changes with seq > `afterSeq`, in seq order, at most `limit`. */
  listChanges(environmentId: string, afterSeq: number, limit: number): Promise<ChangeRecord[]>;
  /** The environment's SDK data and the seq it is consistent with, read atomically. */
  getSnapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined>;
  /** Edge reports made at or after `since` (Unix ms), newest report per edge. */
  listEdgeReports(since: number): Promise<EdgeReport[]>;
  /** Insight buckets of one flag, by bucket start then variation (nulls first). */
  listInsights(query: InsightQuery): Promise<InsightCount[]>;
  /**
   * Insight buckets of the environments summed per environment, flag and variation, in one
   * aggregate query: by environment id, flag key, then variation (nulls first).
   */
  summarizeInsights(query: InsightSummaryQuery): Promise<InsightSummary[]>;
  /** Version of the latest item (tombstones included), 0 if the key never existed. */
  getItemVersion(environmentId: string, kind: NewChange['kind'], key: string): Promise<number>;

  /** Scheduled flag changes of a project (or one flag), by runAt then id. */
  listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]>;
  getSchedule(projectKey: string, id: string): Promise<ScheduleRecord | undefined>;

  /** A project's change requests (approvals), newest first, filtered by flag and status. */
  listChangeRequests(query: ChangeRequestQuery): Promise<ChangeRequestRecord[]>;
  getChangeRequest(id: string): Promise<ChangeRequestRecord | undefined>;
}

export interface StoreTransaction extends StoreReader {
  getFlagForUpdate(projectKey: string, flagKey: string): Promise<FlagRecord | undefined>;
  getSegmentForUpdate(
    projectKey: string,
    environmentKey: string,
    segmentKey: string,
  ): Promise<SegmentRecord | undefined>;
  getEnvironmentForUpdate(
    projectKey: string,
    environmentKey: string,
  ): Promise<EnvironmentRecord | undefined>;
  getEnvironmentByIdForUpdate(environmentId: string): Promise<EnvironmentRecord | undefined>;
  /**
   * The project's environments, or flags, read and locked in key order in one statement: for
   * writes that must hold all of them (a new environment, a payload filter resolution).
   */
  listEnvironmentsForUpdate(projectKey: string): Promise<EnvironmentRecord[]>;
  listFlagsForUpdate(projectKey: string): Promise<FlagRecord[]>;

  /** Insert, or replace an existing project with the same key. */
  putProject(project: ProjectRecord): Promise<void>;
  /**
   * Insert only: ALREADY_EXISTS if the key is taken, even by a concurrent transaction that has
   * not committed yet (the unique index decides), so two creates of one key cannot both win.
   */
  createProject(project: ProjectRecord): Promise<void>;
  /**
   * Deletes the project with its environments, flags, segments, state and change logs. Leaves
   * a directory mark for each of its environments.
   */
  deleteProject(projectKey: string): Promise<void>;

  /**
   * Insert or update (by id). `seq` is owned by the store and ignored here. Leaves a directory
   * mark for the environment.
   */
  putEnvironment(environment: EnvironmentRecord): Promise<void>;
  /** Leaves a directory mark for the environment, if it existed. */
  deleteEnvironment(projectKey: string, environmentKey: string): Promise<void>;

  putFlag(flag: FlagRecord): Promise<void>;
  /** Insert only, like createProject. */
  createFlag(flag: FlagRecord): Promise<void>;
  deleteFlag(projectKey: string, flagKey: string): Promise<void>;

  putSegment(segment: SegmentRecord): Promise<void>;
  deleteSegment(projectKey: string, environmentKey: string, segmentKey: string): Promise<void>;

  getFilterForUpdate(projectKey: string, filterKey: string): Promise<FilterRecord | undefined>;
  /** Inserts a new filter; ALREADY_EXISTS if the key is taken. */
  createFilter(filter: FilterRecord): Promise<void>;
  putFilter(filter: FilterRecord): Promise<void>;
  deleteFilter(projectKey: string, filterKey: string): Promise<void>;

  /** The token with this id, locked until the transaction ends (a read-modify-write of it). */
  getTokenForUpdate(id: string): Promise<TokenRecord | undefined>;
  /**
   * Insert or replace (by id). Leaves a directory mark for the token's hash, unless `directory`
   * is false: a change the directory does not carry (its last use), which edges need not hear of.
   */
  putToken(token: TokenRecord, options?: { readonly directory?: boolean }): Promise<void>;

  appendAudit(entry: NewAuditEntry): Promise<number>;

  /** Replaces the edge's report (by its id). */
  putEdgeReport(report: EdgeReport): Promise<void>;

  /** Adds counts to their buckets (creating them as needed). */
  addInsights(counts: readonly InsightCount[]): Promise<void>;
  /**
   * Insight retention: buckets that start before `deleteBefore` are deleted, and minute buckets
   * that start before `rollUpBefore` are summed into their hour's bucket.
   */
  compactInsights(bounds: InsightRetentionBounds): Promise<void>;

  /**
   * Records a change to an environment's SDK data: assigns the environment's next sequence
   * number (gap-free: seq = previous + 1, in this transaction), appends it to the change log,
   * and makes `item` the current state of (kind, key). The version must be greater than the
   * item's current version (tombstones included), otherwise the store throws a StoreError with
   * code `VERSION_CONFLICT` and the transaction rolls back.
   */
  appendChange(environmentId: string, change: NewChange): Promise<ChangeRecord>;

  /** The schedule, locked until the transaction ends (an edit, a cancel). */
  getScheduleForUpdate(projectKey: string, id: string): Promise<ScheduleRecord | undefined>;
  /** Insert or replace (by id); NOT_FOUND if its project does not exist. */
  putSchedule(schedule: ScheduleRecord): Promise<void>;
  /**
   * Pending schedules due at `dueBy` (runAt <= dueBy), oldest first, at most `limit`, locked
   * until the transaction ends. Rows another transaction holds are skipped, not waited for
   * (PostgreSQL's FOR UPDATE SKIP LOCKED; SQLite and memory run one writer at a time), so two
   * origins claiming at once never get the same schedule.
   */
  claimDueSchedules(dueBy: number, limit: number): Promise<ScheduleRecord[]>;

  /** The change request with this id, locked until the transaction ends. */
  getChangeRequestForUpdate(id: string): Promise<ChangeRequestRecord | undefined>;
  /**
   * Insert or replace (by id); NOT_FOUND if its project does not exist. Deleting the project
   * deletes its requests.
   */
  putChangeRequest(request: ChangeRequestRecord): Promise<void>;
}

export interface Store extends StoreReader {
  /** Which implementation: `memory`, `sqlite` or `postgres`. */
  readonly kind: string;
  /**
   * Runs `work` in one transaction: all of its writes commit together or not at all. Throwing
   * rolls back. The store may run `work` again after a serialization failure, so `work` must
   * touch nothing but `tx`. Transactions do not nest: calling `transaction` inside `work`
   * waits for itself in the memory and SQLite stores.
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Committed directory marks, oldest (lowest id) first, at most `limit` (1 to 10,000). */
  listDirectoryMarks(limit: number): Promise<DirectoryMark[]>;
  /**
   * Deletes the marks with these ids (unknown ids are ignored). Delete the ids handled, not
   * every id up to the highest: a lower id may commit after a higher one was read.
   */
  deleteDirectoryMarks(ids: readonly number[]): Promise<void>;
  /** Waits for running work, then releases connections. Idempotent. */
  close(): Promise<void>;
}
