import type { EvaluationContext, EvaluationContextValue } from '@openfeature/server-sdk';
import { openFeatureContext, type JsonValue, type OpenFeatureContextResult } from '@vexil/protocol';

// An OpenFeature evaluation context as a LaunchDarkly context, exactly as the edge's OFREP
// endpoint maps it (docs/protocol.md section 4.6, @vexil/protocol openfeature.ts): the context
// is first made the JSON an OFREP request would carry, Dates as ISO 8601 strings (what
// JSON.stringify writes, and what LaunchDarkly's date operators read).

class NotJson extends Error {}

function json(value: EvaluationContextValue | undefined, path: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new NotJson(`${path} is an invalid Date`);
    return value.toISOString();
  }
  if (Array.isArray(value)) return value.map((v, i) => json(v, `${path}[${i}]`) ?? null);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const converted = json(v, `${path}.${k}`);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new NotJson(`${path} is ${value}, which JSON cannot carry`);
  return value;
}

/** Whether `value` holds anything JSON would not carry as it is (most contexts hold nothing). */
function needsJson(value: EvaluationContextValue | undefined): boolean {
  if (value instanceof Date) return true;
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(needsJson);
  for (const key in value) if (needsJson(value[key])) return true;
  return false;
}

/** The LaunchDarkly context for an evaluation, or the OpenFeature error code and why. */
export function launchDarklyContext(context: EvaluationContext): OpenFeatureContextResult {
  // Evaluations are the hot path: copy the context only when it holds a Date or a non-finite
  // number, since the mapping copies it anyway.
  if (!needsJson(context)) return openFeatureContext(context as JsonValue);
  let converted: JsonValue | undefined;
  try {
    converted = json(context, 'context');
  } catch (e) {
    if (e instanceof NotJson)
      return { ok: false, errorCode: 'INVALID_CONTEXT', details: e.message };
    throw e;
  }
  return openFeatureContext(converted ?? {});
}
