export {
  literalAttributeReference,
  parseAttributeReference,
  type AttributeReference,
} from './attribute-reference.js';
export {
  decodeBase64Url,
  decodeContextBase64Url,
  encodeBase64Url,
  encodeContextBase64Url,
} from './base64url.js';
export {
  attributeValue,
  canonicalKey,
  contextPart,
  contextToJson,
  parseContext,
  type Context,
  type ContextPart,
} from './context.js';
export type {
  Change,
  ChangeKind,
  CredentialEntry,
  DirectoryEntry,
  DirectoryRecord,
  EdgeEnvironmentReport,
  EdgeReport,
  EnvironmentDescriptor,
  EnvironmentEntry,
  EnvironmentSnapshot,
  SecureModeKey,
  SnapshotItem,
  SyncedEntry,
} from './delivery.js';
export {
  credentialEntryKey,
  environmentEntryKey,
  isChangeKind,
  isDirectoryEntry,
  isDirectoryKey,
  MAX_INSIGHT_COUNT,
  SYNCED_ENTRY_KEY,
} from './delivery.js';
export { validationError, type ValidationError, type ValidationErrorCode } from './errors.js';
export {
  clientSideAvailability,
  OPERATORS,
  type ClientSideAvailability,
  type Clause,
  type Flag,
  type FlagRule,
  type Operator,
  type Prerequisite,
  type Rollout,
  type RolloutKind,
  type Target,
  type VariationOrRollout,
  type WeightedVariation,
} from './flag.js';
export {
  isJsonObject,
  jsonDepth,
  MAX_JSON_DEPTH,
  type JsonObject,
  type JsonValue,
} from './json.js';
export { silentLogger, type Logger } from './logger.js';
export {
  OFREP_REASONS,
  openFeatureContext,
  openFeatureReason,
  reasonMetadata,
  type LaunchDarklyReason,
  type OfrepReason,
  type OpenFeatureContextError,
  type OpenFeatureContextResult,
} from './openfeature.js';
export { parseFlag } from './parse-flag.js';
export { parseSegment } from './parse-segment.js';
export { ok, type Result } from './result.js';
export { parseSdkData, type SdkData } from './sdk-data.js';
export type { Segment, SegmentRule, SegmentTarget } from './segment.js';
