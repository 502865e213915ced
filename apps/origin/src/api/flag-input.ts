import type { JsonObject } from '@vexil/protocol';
import type { FlagRecord, FlagTargeting, FlagVariation } from '@vexil/store';
import type { FlagDefaults } from '../domain/flag-model.js';
import { validationFailed, type ErrorDetail } from '../http/api-error.js';

// What the flag routes accept, and the checks of it that need more than its JSON Schema: the
// project's environments, the number of variations, and which fields a patch may not touch.

export interface FlagInput {
  key: string;
  name?: string;
  description?: string;
  tags?: string[];
  variations: FlagVariation[];
  temporary?: boolean;
  defaults?: Partial<FlagDefaults>;
  /** Which client-side SDKs get the flag, in every environment (default: mobile only). */
  clientSideAvailability?: FlagTargeting['clientSideAvailability'];
  environments?: Record<string, Partial<FlagTargeting>>;
}

const READ_ONLY = ['key', 'version', 'createdAt', 'updatedAt'] as const;

export function assertKnownEnvironments(input: FlagInput, envKeys: readonly string[]): void {
  const unknown = Object.keys(input.environments ?? {}).filter((k) => !envKeys.includes(k));
  if (unknown.length === 0) return;
  const has =
    envKeys.length === 0
      ? 'it has none yet; create the environment first'
      : `it has ${envKeys.join(', ')}`;
  throw validationFailed(
    unknown.map((k) => ({
      path: `environments.${k}`,
      message: `no environment "${k}" in this project (${has})`,
    })),
  );
}

/** `defaults` apply to every environment, even ones created later: check them on their own. */
export function assertDefaultsInRange(input: FlagInput): void {
  const n = input.variations.length;
  const details: ErrorDetail[] = [];
  for (const field of ['onVariation', 'offVariation'] as const) {
    const index = input.defaults?.[field];
    if (index !== undefined && index >= n) {
      details.push({
        path: `defaults.${field}`,
        message: `variation index ${index} is out of range: the flag has ${n} variation(s), 0 to ${n - 1}`,
      });
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

/** Turns a patched, schema-valid representation back into a record, refusing read-only edits. */
export function recordFromRepresentation(
  before: FlagRecord,
  current: JsonObject,
  patched: JsonObject,
  envKeys: readonly string[],
): FlagRecord {
  const details: ErrorDetail[] = READ_ONLY.filter(
    (field) => JSON.stringify(patched[field]) !== JSON.stringify(current[field]),
  ).map((field) => ({ path: field, message: 'is read-only' }));
  const environments = patched['environments'] as unknown as Record<string, FlagTargeting>;
  for (const envKey of Object.keys(environments)) {
    if (!envKeys.includes(envKey)) {
      details.push({
        path: `environments.${envKey}`,
        message: 'is not an environment of this project; create the environment first',
      });
    } else if (
      environments[envKey]!.version !== before.environments[envKey]?.version &&
      environments[envKey]!.version !== undefined
    ) {
      details.push({ path: `environments.${envKey}.version`, message: 'is read-only' });
    }
  }
  if (details.length > 0) throw validationFailed(details);
  // Removing an environment's targeting stops serving the flag there; adding it back serves it.
  const targeting: Record<string, FlagTargeting> = {};
  for (const envKey of envKeys) {
    const t = environments[envKey];
    if (t !== undefined)
      targeting[envKey] = { ...t, version: before.environments[envKey]?.version ?? 0 };
  }
  return {
    ...before,
    name: patched['name'] as string,
    description: patched['description'] as string,
    tags: patched['tags'] as string[],
    variations: patched['variations'] as unknown as FlagVariation[],
    temporary: patched['temporary'] as boolean,
    archived: patched['archived'] as boolean,
    environments: targeting,
  };
}
