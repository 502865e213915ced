import { isJsonObject, parseContext, type Context, type JsonObject } from '@vexil/protocol';

// An OpenFeature evaluation context as a LaunchDarkly context (docs/protocol.md section 4.6), the
// way LaunchDarkly's own OpenFeature providers translate it:
//
//   {"targetingKey": "u1", "email": "a@x"}                   -> {"kind": "user", "key": "u1", "email": "a@x"}
//   {"targetingKey": "acme", "kind": "org", "plan": "gold"}  -> {"kind": "org", "key": "acme", "plan": "gold"}
//   {"kind": "multi", "user": {"targetingKey": "u1"}, "org": {"key": "acme"}} -> multi-kind
//
// `targetingKey` is the key (`key` is accepted when it is absent); `kind` defaults to `user`;
// `privateAttributes` becomes `_meta.privateAttributes`; every other property is an attribute.
// A context without a key is TARGETING_KEY_MISSING; one LaunchDarkly rejects is INVALID_CONTEXT.

export type OfrepContextError = 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT';

export type OfrepContextResult =
  | { readonly ok: true; readonly context: Context }
  | { readonly ok: false; readonly errorCode: OfrepContextError; readonly details: string };

class ContextProblem extends Error {
  constructor(
    readonly errorCode: OfrepContextError,
    message: string,
  ) {
    super(message);
  }
}

function individual(of: JsonObject, where: string): JsonObject {
  const { targetingKey, key, kind: _kind, privateAttributes, ...attributes } = of;
  const chosen = targetingKey ?? key;
  if (chosen === undefined || chosen === null || chosen === '')
    throw new ContextProblem('TARGETING_KEY_MISSING', `${where} has no targetingKey`);
  if (typeof chosen !== 'string')
    throw new ContextProblem('INVALID_CONTEXT', `${where}: targetingKey must be a string`);
  const out: JsonObject = { ...attributes, key: chosen };
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
  if (kind !== 'multi') return { kind, ...individual(of, 'the context') };
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

export function ofrepContext(of: unknown): OfrepContextResult {
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
