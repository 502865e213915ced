import type { EdgeReport } from '@vexil/protocol';
import type {
  AuditEntry,
  ChangeKind,
  ChangeRecord,
  EnvironmentRecord,
  EnvironmentSnapshot,
  ExpiringKey,
  FilterRecord,
  FlagRecord,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '../records.js';
import type { SqlParam, SqlRow } from './sql-executor.js';

// Row <-> record mapping shared by SQLite and PostgreSQL. JSON columns hold documents this
// module wrote, so parsing them back to their record type is a checked-at-write assumption.

const text = (value: unknown): string => String(value);
const int = (value: unknown): number => Number(value);
const json = <T>(value: unknown): T => JSON.parse(String(value)) as T;
export const toJson = (value: unknown): string => JSON.stringify(value);

export const PROJECT_COLUMNS = 'key, name, created_at';

export function projectFromRow(row: SqlRow): ProjectRecord {
  return { key: text(row.key), name: text(row.name), createdAt: int(row.created_at) };
}

export const ENVIRONMENT_COLUMNS =
  'id, project_key, key, name, sdk_key, mobile_key, expiring_sdk_key, expiring_mobile_key, secure_mode, require_approval, seq, created_at';

export function environmentFromRow(row: SqlRow): EnvironmentRecord {
  const env: EnvironmentRecord = {
    id: text(row.id),
    projectKey: text(row.project_key),
    key: text(row.key),
    name: text(row.name),
    sdkKey: text(row.sdk_key),
    mobileKey: text(row.mobile_key),
    // SQLite has no boolean type: 0 or 1 there, true or false in PostgreSQL.
    secureMode: row.secure_mode === true || Number(row.secure_mode) === 1,
    seq: int(row.seq),
    createdAt: int(row.created_at),
  };
  // Set only when on, as the memory store keeps it (records written before approvals lack it).
  if (row.require_approval === true || Number(row.require_approval) === 1) {
    env.requireApproval = true;
  }
  if (row.expiring_sdk_key != null) env.expiringSdkKey = json<ExpiringKey>(row.expiring_sdk_key);
  if (row.expiring_mobile_key != null) {
    env.expiringMobileKey = json<ExpiringKey>(row.expiring_mobile_key);
  }
  return env;
}

/** The columns after id, in ENVIRONMENT_COLUMNS order (seq excluded: the store owns it). */
export function environmentParams(env: EnvironmentRecord): SqlParam[] {
  return [
    env.id,
    env.projectKey,
    env.key,
    env.name,
    env.sdkKey,
    env.mobileKey,
    env.expiringSdkKey === undefined ? null : toJson(env.expiringSdkKey),
    env.expiringMobileKey === undefined ? null : toJson(env.expiringMobileKey),
    env.secureMode ? 1 : 0,
    env.requireApproval === true ? 1 : 0,
    env.createdAt,
  ];
}

export function flagFromRow(row: SqlRow): FlagRecord {
  return json<FlagRecord>(row.doc);
}

export function filterFromRow(row: SqlRow): FilterRecord {
  return json<FilterRecord>(row.doc);
}

/** Segment rows are per environment id; the keys come from the environment row joined in. */
export function segmentFromRow(row: SqlRow): SegmentRecord {
  return {
    ...json<SegmentRecord>(row.doc),
    projectKey: text(row.project_key),
    environmentKey: text(row.environment_key),
  };
}

export function tokenFromRow(row: SqlRow): TokenRecord {
  return json<TokenRecord>(row.doc);
}

export function auditFromRow(row: SqlRow): AuditEntry {
  return { ...json<Omit<AuditEntry, 'id'>>(row.doc), id: int(row.id) };
}

export const CHANGE_COLUMNS = 'environment_id, seq, kind, key, version, item, committed_at, trace';

export function changeFromRow(row: SqlRow): ChangeRecord {
  return {
    environmentId: text(row.environment_id),
    seq: int(row.seq),
    kind: text(row.kind) as ChangeKind,
    key: text(row.key),
    version: int(row.version),
    item: json(row.item),
    committedAt: int(row.committed_at),
    ...(row.trace === null || row.trace === undefined ? {} : { trace: text(row.trace) }),
  };
}

export function itemFromRow(row: SqlRow): EnvironmentSnapshot['items'][number] {
  return {
    kind: text(row.kind) as ChangeKind,
    key: text(row.key),
    version: int(row.version),
    item: json(row.item),
  };
}

export function edgeReportFromRow(row: SqlRow): EdgeReport {
  return json<EdgeReport>(row.doc);
}
