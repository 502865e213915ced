import { isJsonObject, type JsonValue, type LaunchDarklyReason } from '@vexil/protocol';

// The evaluated-flag map of the edge's client-side stream (docs/protocol.md section 4.4): a `put`
// carries `{key: result}`, a `patch` one result with its `key`, a `delete` `{key, version}`.
// `version` is the environment's sequence number, so a patch or delete applies only when its
// version is above the one held for that key (deletes leave a tombstone for that reason).
// Parsing is as tolerant as LaunchDarkly's SDKs: unknown fields are dropped, and a result of the
// wrong shape is left out of a put rather than failing the others.

/** One flag's result for the page's context. */
export interface EvaluatedFlag {
  /** `null` with no `variation` when the flag is off and has no off variation. */
  readonly value: JsonValue;
  readonly variation?: number;
  readonly version: number;
  readonly flagVersion?: number;
  readonly reason?: LaunchDarklyReason;
}

function isReason(value: unknown): value is LaunchDarklyReason {
  return isJsonObject(value) && typeof value['kind'] === 'string';
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** One result, or undefined when it lacks a version or a field has the wrong type. */
export function evaluatedFlag(raw: unknown): EvaluatedFlag | undefined {
  if (!isJsonObject(raw) || !isNumber(raw['version'])) return undefined;
  const { value = null, variation, flagVersion, reason } = raw;
  if (variation !== undefined && variation !== null && !isNumber(variation)) return undefined;
  if (flagVersion !== undefined && flagVersion !== null && !isNumber(flagVersion)) return undefined;
  if (reason !== undefined && reason !== null && !isReason(reason)) return undefined;
  return {
    value,
    version: raw['version'],
    ...(isNumber(variation) ? { variation } : {}),
    ...(isNumber(flagVersion) ? { flagVersion } : {}),
    ...(isReason(reason) ? { reason } : {}),
  };
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * A `put`'s data (its text, or what storage kept, parsed): undefined when it is not a JSON
 * object.
 */
export function parseFlagMap(
  data: unknown,
): { flags: Map<string, EvaluatedFlag>; skipped: string[] } | undefined {
  const json = typeof data === 'string' ? parseJson(data) : data;
  if (!isJsonObject(json)) return undefined;
  const flags = new Map<string, EvaluatedFlag>();
  const skipped: string[] = [];
  for (const [key, raw] of Object.entries(json)) {
    const flag = evaluatedFlag(raw);
    if (flag === undefined) skipped.push(key);
    else flags.set(key, flag);
  }
  return { flags, skipped };
}

/** A `patch`'s data: one result with its key. */
export function parsePatch(data: string): { key: string; flag: EvaluatedFlag } | undefined {
  const json = parseJson(data);
  if (!isJsonObject(json) || typeof json['key'] !== 'string') return undefined;
  const flag = evaluatedFlag(json);
  return flag === undefined ? undefined : { key: json['key'], flag };
}

/** A `delete`'s data: `{key, version}`. */
export function parseDelete(data: string): { key: string; version: number } | undefined {
  const json = parseJson(data);
  if (!isJsonObject(json) || typeof json['key'] !== 'string' || !isNumber(json['version']))
    return undefined;
  return { key: json['key'], version: json['version'] };
}

/** Deep equality of JSON values (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const bo = b as Record<string, unknown>;
  const ao = a as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}

/** Whether an application would see a difference: the value, the variation or the reason. */
export function sameResult(a: EvaluatedFlag | undefined, b: EvaluatedFlag | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.variation === b.variation && sameJson(a.value, b.value) && sameJson(a.reason, b.reason);
}
