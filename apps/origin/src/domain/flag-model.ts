import type { Flag, JsonObject, JsonValue } from '@vexil/protocol';
import type { FlagRecord, FlagTargeting } from '@vexil/store';
import { newSalt } from './secrets.js';

// A flag has a project-level definition and per-environment targeting (as in LaunchDarkly).
// Three views of it: the stored FlagRecord, the API representation (the record with defaults
// filled in for every environment), and the SDK item each environment serves.

export interface FlagDefaults {
  onVariation: number;
  offVariation: number;
}

export function defaultTargeting(
  variationCount: number,
  defaults?: Partial<FlagDefaults>,
): FlagTargeting {
  return {
    on: false,
    offVariation: defaults?.offVariation ?? (variationCount > 1 ? 1 : 0),
    fallthrough: { variation: defaults?.onVariation ?? 0 },
    prerequisites: [],
    targets: [],
    contextTargets: [],
    rules: [],
    salt: newSalt(),
    clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
    trackEvents: false,
    trackEventsFallthrough: false,
    version: 0,
  };
}

/**
 * The SDK item for one environment, in the complete shape LaunchDarkly serializes (every list
 * present, `offVariation` null when absent): some SDKs do not tolerate missing properties.
 */
export function sdkFlag(
  record: FlagRecord,
  targeting: FlagTargeting,
  version: number,
): Flag & JsonObject {
  const item: JsonObject = {
    key: record.key,
    version,
    on: targeting.on,
    prerequisites: targeting.prerequisites as unknown as JsonValue[],
    targets: targeting.targets as unknown as JsonValue[],
    contextTargets: targeting.contextTargets as unknown as JsonValue[],
    rules: targeting.rules as unknown as JsonValue[],
    fallthrough: targeting.fallthrough as unknown as JsonObject,
    offVariation: targeting.offVariation ?? null,
    variations: record.variations.map((v) => v.value),
    clientSideAvailability: { ...targeting.clientSideAvailability },
    clientSide: targeting.clientSideAvailability.usingEnvironmentId,
    salt: targeting.salt,
    trackEvents: targeting.trackEvents,
    trackEventsFallthrough: targeting.trackEventsFallthrough,
    debugEventsUntilDate: targeting.debugEventsUntilDate ?? null,
    deleted: false,
  };
  return item as Flag & JsonObject;
}

export function tombstone(key: string, version: number): JsonObject {
  return { key, version, deleted: true };
}

/**
 * The API representation. A flag is served in the environments where it has targeting: every
 * environment, unless an import replaced an environment's data without it. `environmentKeys`
 * gives the order.
 */
export function flagRepresentation(
  record: FlagRecord,
  environmentKeys: readonly string[],
): JsonObject {
  const environments: JsonObject = {};
  for (const envKey of environmentKeys) {
    const targeting = record.environments[envKey];
    if (targeting !== undefined) environments[envKey] = targeting as unknown as JsonObject;
  }
  return {
    key: record.key,
    name: record.name,
    description: record.description,
    tags: record.tags,
    variations: record.variations as unknown as JsonValue[],
    temporary: record.temporary,
    archived: record.archived,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    environments,
  };
}
