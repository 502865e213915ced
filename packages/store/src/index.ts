export { StoreError, type StoreErrorCode } from './errors.js';
export { openMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export type {
  AuditEntry,
  AuditQuery,
  ChangeKind,
  ChangeRecord,
  DirectoryMark,
  DirectorySubject,
  EnvironmentRecord,
  EnvironmentSeq,
  EnvironmentSnapshot,
  ExpiringKey,
  FilterRecord,
  FlagRecord,
  FlagTargeting,
  FlagVariation,
  InsightCount,
  InsightQuery,
  InsightRetentionBounds,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
  NewAuditEntry,
  NewChange,
  ProjectRecord,
  ScheduledMark,
  SegmentRecord,
  TokenRecord,
  TokenRole,
} from './records.js';
export type { Store, StoreReader, StoreTransaction } from './store.js';
export type {
  ChangeRequestActor,
  ChangeRequestQuery,
  ChangeRequestRecord,
  ChangeRequestStatus,
} from './change-requests.js';
export type { ScheduleQuery, ScheduleRecord, ScheduleStatus } from './schedule-records.js';
