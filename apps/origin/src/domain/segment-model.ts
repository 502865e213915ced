import type { JsonObject, JsonValue } from '@vexil/protocol';
import type { SegmentRecord } from '@vexil/store';

// Segments live per environment. The API representation is LaunchDarkly's segment JSON plus
// name, description, tags and timestamps; the SDK item is LaunchDarkly's segment JSON.

export function sdkSegment(record: SegmentRecord, version: number): JsonObject {
  const item: JsonObject = {
    key: record.key,
    version,
    included: record.included,
    excluded: record.excluded,
    includedContexts: record.includedContexts as unknown as JsonValue[],
    excludedContexts: record.excludedContexts as unknown as JsonValue[],
    rules: record.rules as unknown as JsonValue[],
    salt: record.salt,
    unbounded: record.unbounded,
    deleted: false,
  };
  if (record.unboundedContextKind !== undefined)
    item['unboundedContextKind'] = record.unboundedContextKind;
  if (record.generation !== undefined) item['generation'] = record.generation;
  return item;
}

export function segmentRepresentation(record: SegmentRecord): JsonObject {
  const { projectKey: _p, environmentKey: _e, ...rest } = record;
  return rest as unknown as JsonObject;
}
