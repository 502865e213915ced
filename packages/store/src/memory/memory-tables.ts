import { transactionFinished } from '../internal/errors.js';
import type { EdgeReport } from '@vexil/protocol';
import type {
  AuditEntry,
  ChangeRecord,
  DirectoryMark,
  EnvironmentRecord,
  EnvironmentSnapshot,
  FilterRecord,
  FlagRecord,
  InsightCount,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '../records.js';
import type { ScheduleRecord } from '../schedule-records.js';
import type { ChangeRequestRecord } from '../change-requests.js';

export type SnapshotItem = EnvironmentSnapshot['items'][number];

/**
 * The memory store's state. Stored records are never mutated in place (writers replace
 * them), so a transaction can share unchanged tables with the committed state.
 */
export interface Tables {
  projects: Map<string, ProjectRecord>;
  /** By environment id. */
  environments: Map<string, EnvironmentRecord>;
  /** By flagId(projectKey, key). */
  flags: Map<string, FlagRecord>;
  /** By segmentId(environmentId, key); project and environment keys come from the environment. */
  segments: Map<string, SegmentRecord>;
  /** By flagId(projectKey, key). */
  filters: Map<string, FilterRecord>;
  tokens: Map<string, TokenRecord>;
  /** Append-only; an entry's id is its index + 1. */
  audit: AuditEntry[];
  /** By itemId(environmentId, kind, key). */
  items: Map<string, SnapshotItem>;
  /** Change log per environment id, in seq order. */
  changes: Map<string, ChangeRecord[]>;
  /** By insightId(environmentId, flagKey, bucketStart, variation). */
  insights: Map<string, InsightCount>;
  /** By edge id. */
  edgeReports: Map<string, EdgeReport>;
  /** In id order. */
  directoryMarks: DirectoryMark[];
  /** Scheduled flag changes, by id. */
  schedules: Map<string, ScheduleRecord>;
  /** Change requests (approvals), by id. */
  changeRequests: Map<string, ChangeRequestRecord>;
  /**
   * The id of the newest mark ever made, so that ids are never reused once marks are deleted.
   * A counter, not a table: a draft's shallow copy of Tables already isolates it.
   */
  lastDirectoryMarkId: number;
}

/** The members of Tables that are tables (a Map or an array), which drafts copy on write. */
export type TableName = Exclude<keyof Tables, 'lastDirectoryMarkId'>;

export function emptyTables(): Tables {
  return {
    projects: new Map(),
    environments: new Map(),
    flags: new Map(),
    segments: new Map(),
    filters: new Map(),
    tokens: new Map(),
    audit: [],
    items: new Map(),
    changes: new Map(),
    insights: new Map(),
    edgeReports: new Map(),
    directoryMarks: [],
    schedules: new Map(),
    changeRequests: new Map(),
    lastDirectoryMarkId: 0,
  };
}

// NUL cannot appear in keys that came through JSON APIs, so it separates compound keys.
export const flagId = (projectKey: string, key: string) => `${projectKey}\0${key}`;
export const segmentId = (environmentId: string, key: string) => `${environmentId}\0${key}`;
export const itemId = (environmentId: string, kind: string, key: string) =>
  `${environmentId}\0${kind}\0${key}`;
export const insightId = (
  environmentId: string,
  flagKey: string,
  bucketStart: number,
  variation: number | null,
) => `${environmentId}\0${flagKey}\0${bucketStart}\0${variation ?? -1}`;
/** Every segment, item and insight id of the environment starts with this. */
export const environmentPrefix = (environmentId: string) => `${environmentId}\0`;

/**
 * A transaction's copy-on-write view: the first write to a table copies that table (shallowly),
 * so a rollback is simply dropping the draft and committed readers never see its writes.
 */
export class Draft {
  private readonly current: Tables;
  private readonly copied = new Set<TableName>();
  private readonly copiedLogs = new Set<string>();
  private finished = false;

  constructor(base: Tables) {
    this.current = { ...base };
  }

  get tables(): Tables {
    if (this.finished) throw transactionFinished();
    return this.current;
  }

  writable<K extends TableName>(name: K): Tables[K] {
    const tables = this.tables;
    if (!this.copied.has(name)) {
      this.copied.add(name);
      const table = tables[name];
      // Each table is a Map or an array; the cast restores the per-key type TypeScript loses.
      tables[name] = (table instanceof Map ? new Map(table) : [...table]) as Tables[K];
    }
    return tables[name];
  }

  /** The environment's change log, copied before its first append in this transaction. */
  changeLog(environmentId: string): ChangeRecord[] {
    const logs = this.writable('changes');
    let log = logs.get(environmentId);
    if (log === undefined || !this.copiedLogs.has(environmentId)) {
      log = [...(log ?? [])];
      logs.set(environmentId, log);
      this.copiedLogs.add(environmentId);
    }
    return log;
  }

  /** Ends the draft (later use throws) and returns its tables, to commit or to drop. */
  finish(): Tables {
    this.finished = true;
    return this.current;
  }
}
