import { parseContext, type Context } from './context.js';
import type { Flag } from './flag.js';
import { isJsonObject, type JsonObject } from './json.js';

// OpenFeature and LaunchDarkly, both ways (docs/protocol.md section 4.6): an OpenFeature
// evaluation context as a LaunchDarkly context, and a LaunchDarkly reason as an OpenFeature
// reason with flag metadata. The edge's OFREP answers and the OpenFeature providers share them,
// so the same flag and context give the same details through any of them.

// ---- Contexts, the way LaunchDarkly's own OpenFeature providers translate them:
//
//   {"targetingKey": "u1", "email": "a@x"}                   -> {"kind": "user", "key": "u1", "email": "a@x"}
//   {"targetingKey": "acme", "kind": "org", "plan": "gold"}  -> {"kind": "org", "key": "acme", "plan": "gold"}
//   {"kind": "multi", "user": {"targetingKey": "u1"}, "org": {"key": "acme"}} -> multi-kind
//
// `targetingKey` is the key (`key` is accepted when it is absent); `kind` defaults to `user`;
// `privateAttributes` becomes `_meta.privateAttributes`; every other property is an attribute.
// A context without a key is TARGETING_KEY_MISSING; one LaunchDarkly rejects is INVALID_CONTEXT.

export type OpenFeatureContextError = 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT';

export type OpenFeatureContextResult =
  | { readonly ok: true; readonly context: Context }
  | { readonly ok: false; readonly errorCode: OpenFeatureContextError; readonly details: string };

class ContextProblem extends Error {
  constructor(
    readonly errorCode: OpenFeatureContextError,
    message: string,
  ) {
    super(message);
  }
}

/** One kind's part: the rest of `of` is a fresh object, so it becomes the part as it is. */
function individual(of: JsonObject, where: string, kind?: string): JsonObject {
  const { targetingKey, key, kind: _kind, privateAttributes, ...out } = of;
  const chosen = targetingKey ?? key;
  if (chosen === undefined || chosen === null || chosen === '')
    throw new ContextProblem('TARGETING_KEY_MISSING', `${where} has no targetingKey`);
  if (typeof chosen !== 'string')
    throw new ContextProblem('INVALID_CONTEXT', `${where}: targetingKey must be a string`);
  out['key'] = chosen;
  if (kind !== undefined) out['kind'] = kind;
  if (Array.isArray(privateAttributes)) {
    const meta = isJsonObject(out['_meta']) ? out['_meta'] : {};
    out['_meta'] = { ...meta, privateAttributes };
  } else if (privateAttributes !== undefined) {
    out['privateAttributes'] = privateAttributes;
  }
  return out;
}

function launchDarklyJson(of: JsonObject): JsonObject {
  const kind = of['kind'] ?? 'user';
  if (typeof kind !== 'string')
    throw new ContextProblem('INVALID_CONTEXT', 'the context kind must be a string');
  if (kind !== 'multi') return individual(of, 'the context', kind);
  const out: JsonObject = { kind: 'multi' };
  for (const [partKind, part] of Object.entries(of)) {
    if (partKind === 'kind' || partKind === 'targetingKey') continue;
    if (!isJsonObject(part)) {
      throw new ContextProblem(
        'INVALID_CONTEXT',
        `in a multi-kind context every property but "kind" is a context; "${partKind}" is not an object`,
      );
    }
    out[partKind] = individual(part, `the "${partKind}" context`);
  }
  return out;
}

/**
 * An OpenFeature evaluation context (JSON: Dates already as ISO strings) as a validated
 * LaunchDarkly context, or the OpenFeature error code and a message that says what to fix.
 */
export function openFeatureContext(of: unknown): OpenFeatureContextResult {
  if (of === undefined || of === null) {
    return { ok: false, errorCode: 'TARGETING_KEY_MISSING', details: 'the request has no context' };
  }
  if (!isJsonObject(of))
    return { ok: false, errorCode: 'INVALID_CONTEXT', details: 'context must be a JSON object' };
  try {
    const parsed = parseContext(launchDarklyJson(of));
    return parsed.ok
      ? { ok: true, context: parsed.value }
      : { ok: false, errorCode: 'INVALID_CONTEXT', details: parsed.error.message };
  } catch (e) {
    if (e instanceof ContextProblem)
      return { ok: false, errorCode: e.errorCode, details: e.message };
    throw e;
  }
}

// ---- Reasons. LaunchDarkly reason -> OpenFeature reason, within the values the OFREP OpenAPI
// lists for `evaluationSuccess.reason` (STATIC, TARGETING_MATCH, SPLIT, DISABLED, UNKNOWN;
// OpenFeature's DEFAULT, CACHED, STALE and ERROR are not among them), so that OFREP and the
// providers agree:
//
//   OFF                  DISABLED         the off variation
//   PREREQUISITE_FAILED  DISABLED         also the off variation: the flag is off for this context
//   TARGET_MATCH         TARGETING_MATCH
//   RULE_MATCH           TARGETING_MATCH, or SPLIT when the rule serves a percentage rollout
//   FALLTHROUGH          SPLIT for a rollout; STATIC when the flag has no targeting at all (the
//                        same value for every context); otherwise TARGETING_MATCH: the value is
//                        the flag's "default rule", the last step of the targeting that was
//                        evaluated for the context (OpenFeature's DEFAULT, which is not allowed;
//                        STATIC would claim the value holds for every context, which a cache
//                        could act on, and UNKNOWN would say the reason is not known)
//   ERROR                not a reason but an evaluation failure (the caller's error code)
//
// Without the flag (a client that holds evaluated results, not flags) a rollout and a flag
// without targeting cannot be told apart from targeting: RULE_MATCH and FALLTHROUGH are then
// TARGETING_MATCH, and the metadata still names the LaunchDarkly reason.
//
// Flag metadata keeps what the mapping loses: `reasonKind` (the LaunchDarkly kind), `ldReason`
// (the whole LaunchDarkly reason as JSON, since OpenFeature metadata values are scalars),
// `ruleIndex`, `ruleId`, `prerequisiteKey`, `inExperiment`, `errorKind`, and `flagVersion`.

/** Every reason an OFREP answer, and a Vexil provider's successful evaluation, may carry. */
export const OFREP_REASONS = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'UNKNOWN'] as const;

export type OfrepReason = (typeof OFREP_REASONS)[number];

/** A LaunchDarkly evaluation reason as it travels in JSON (docs/evaluation.md). */
export interface LaunchDarklyReason {
  readonly kind: string;
  readonly ruleIndex?: number;
  readonly ruleId?: string;
  readonly prerequisiteKey?: string;
  readonly inExperiment?: boolean;
  readonly errorKind?: string;
}

function hasTargeting(flag: Flag): boolean {
  return (
    (flag.prerequisites?.length ?? 0) > 0 ||
    (flag.targets ?? []).some((t) => t.values.length > 0) ||
    (flag.contextTargets ?? []).some((t) => t.values.length > 0) ||
    (flag.rules?.length ?? 0) > 0
  );
}

/** The OpenFeature reason for a successful evaluation (not an ERROR reason: that is a failure). */
export function openFeatureReason(reason: LaunchDarklyReason, flag?: Flag): OfrepReason {
  switch (reason.kind) {
    case 'OFF':
    case 'PREREQUISITE_FAILED':
      return 'DISABLED';
    case 'TARGET_MATCH':
      return 'TARGETING_MATCH';
    case 'RULE_MATCH': {
      const rule = flag?.rules?.[reason.ruleIndex ?? -1];
      return rule !== undefined && rule.variation === undefined ? 'SPLIT' : 'TARGETING_MATCH';
    }
    case 'FALLTHROUGH':
      if (flag === undefined) return 'TARGETING_MATCH';
      if (flag.fallthrough?.variation === undefined) return 'SPLIT';
      return hasTargeting(flag) ? 'TARGETING_MATCH' : 'STATIC';
    default:
      return 'UNKNOWN';
  }
}

/** The flag metadata that keeps the LaunchDarkly reason (and the flag's version, when known). */
export function reasonMetadata(
  reason: LaunchDarklyReason,
  flagVersion?: number,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (flagVersion !== undefined) out['flagVersion'] = flagVersion;
  out['reasonKind'] = reason.kind;
  out['ldReason'] = JSON.stringify(reason);
  if (reason.kind === 'RULE_MATCH' && reason.ruleIndex !== undefined) {
    out['ruleIndex'] = reason.ruleIndex;
    if (reason.ruleId !== undefined) out['ruleId'] = reason.ruleId;
  }
  if (reason.kind === 'PREREQUISITE_FAILED' && reason.prerequisiteKey !== undefined)
    out['prerequisiteKey'] = reason.prerequisiteKey;
  if ((reason.kind === 'RULE_MATCH' || reason.kind === 'FALLTHROUGH') && reason.inExperiment)
    out['inExperiment'] = true;
  if (reason.kind === 'ERROR' && reason.errorKind !== undefined)
    out['errorKind'] = reason.errorKind;
  return out;
}
