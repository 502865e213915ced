import type { JsonObject } from '@vexil/protocol';

// Setting one evaluator's results beside another's (differential tests, the evaluation and
// OpenFeature benchmarks): the same reason written two ways, and the same context in
// OpenFeature's terms.

/**
 * A LaunchDarkly reason without its representation noise: fields that are undefined or false
 * (LaunchDarkly's SDKs write `inExperiment: false` where Vexil leaves it out), keys sorted.
 */
export function normalizeReason(reason: object): Record<string, unknown>;
export function normalizeReason(reason: unknown): Record<string, unknown> | undefined;
export function normalizeReason(reason: unknown): Record<string, unknown> | undefined {
  if (typeof reason !== 'object' || reason === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(reason).sort(([a], [b]) => (a < b ? -1 : 1)))
    if (v !== undefined && v !== false) out[k] = v;
  return out;
}

/**
 * A LaunchDarkly context as an application hands it to OpenFeature, which maps it back to the
 * same context (docs/protocol.md section 4.6): `key` as `targetingKey`, `_meta.privateAttributes`
 * as `privateAttributes`, one object per kind in a multi-kind context.
 */
export function openFeatureContextOf(context: JsonObject): JsonObject {
  const part = ({ key, _meta, ...attributes }: JsonObject): JsonObject => {
    const meta = _meta as { privateAttributes?: string[] } | undefined;
    return {
      ...attributes,
      targetingKey: String(key),
      ...(meta?.privateAttributes ? { privateAttributes: meta.privateAttributes } : {}),
    };
  };
  if (context['kind'] !== 'multi') return part(context);
  const out: JsonObject = { kind: 'multi' };
  for (const [kind, value] of Object.entries(context))
    if (kind !== 'kind') out[kind] = part(value as JsonObject);
  return out;
}
