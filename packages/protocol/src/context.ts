import type { AttributeReference } from './attribute-reference.js';
import { validationError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import {
  at,
  describe,
  Invalid,
  object,
  optArray,
  optBool,
  optString,
  stringItem,
} from './reader.js';
import type { Result } from './result.js';

// Evaluation contexts (docs/protocol.md section 3; upstream: go-sdk-common ldcontext).
// Three JSON forms: single-kind {kind, key, ...}, multi-kind {kind: "multi", user: {...}, ...}
// and the legacy user {key, name, custom: {...}} without a kind.

/** One individual context of a given kind. */
export interface ContextPart {
  readonly kind: string;
  readonly key: string;
  readonly anonymous: boolean;
  readonly name?: string;
  /** Custom attributes (everything but kind, key, name, anonymous and _meta). */
  readonly attributes: Readonly<JsonObject>;
  /** Attributes to redact in events: references, or literal names for legacy users. */
  readonly privateAttributes: readonly string[];
}

export interface Context {
  /** `multi` for a multi-kind context, otherwise the kind of its only part. */
  readonly kind: string;
  /** Parts sorted by kind; exactly one unless `kind` is `multi`. */
  readonly parts: readonly ContextPart[];
  /** Parsed from the legacy user format: `privateAttributes` are literal names. */
  readonly legacy: boolean;
}

const KIND_PATTERN = /^[A-Za-z0-9._-]+$/;
const LEGACY_BUILTINS = [
  'name',
  'firstName',
  'lastName',
  'email',
  'avatar',
  'ip',
  'country',
] as const;
const RESERVED_CUSTOM = new Set(['kind', 'key', 'name', 'anonymous', '_meta']);

export function parseContext(json: unknown): Result<Context> {
  try {
    return { ok: true, value: readContext(json) };
  } catch (e) {
    if (e instanceof Invalid) {
      return { ok: false, error: validationError('INVALID_CONTEXT', e.path, e.problem) };
    }
    throw e;
  }
}

function readContext(json: unknown): Context {
  const o = object(json, '');
  const kind = o['kind'];
  if (kind === undefined || kind === null)
    return { kind: 'user', parts: [readLegacyUser(o)], legacy: true };
  if (typeof kind !== 'string')
    throw new Invalid('kind', `expected a string, got ${describe(kind)}`);
  if (kind !== 'multi') {
    const part = readPart(o, kind, '');
    return { kind, parts: [part], legacy: false };
  }
  const parts: ContextPart[] = [];
  for (const [partKind, value] of Object.entries(o)) {
    if (partKind === 'kind') continue;
    const po = object(value, partKind);
    if (po['kind'] !== undefined) {
      throw new Invalid(
        at(partKind, 'kind'),
        'a part of a multi-kind context takes its kind from its property name; remove "kind"',
      );
    }
    parts.push(readPart(po, partKind, partKind));
  }
  if (parts.length === 0) throw new Invalid('', 'a multi-kind context needs at least one kind');
  parts.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  if (parts.length === 1) return { kind: parts[0]!.kind, parts, legacy: false };
  return { kind: 'multi', parts, legacy: false };
}

function checkKind(kind: string, path: string) {
  if (kind === 'user') return;
  if (kind === '' || kind === 'kind' || kind === 'multi' || !KIND_PATTERN.test(kind)) {
    throw new Invalid(
      path,
      `invalid context kind ${JSON.stringify(kind)}: use letters, digits, ".", "_" or "-", and not "kind" or "multi"`,
    );
  }
}

function readPart(o: JsonObject, kind: string, path: string): ContextPart {
  checkKind(kind, path === '' ? 'kind' : path);
  const key = o['key'];
  if (typeof key !== 'string' || key === '') {
    throw new Invalid(
      at(path, 'key'),
      `a context needs a non-empty string key, got ${describe(key)}`,
    );
  }
  // One pass over the properties: this runs for every request that carries a context.
  let name: string | undefined;
  let anonymous = false;
  let privateAttributes: readonly string[] = [];
  const attributes: JsonObject = {};
  for (const k in o) {
    const v = o[k]!;
    switch (k) {
      case 'kind':
      case 'key':
        break;
      case 'name':
        if (v !== null && typeof v !== 'string')
          throw new Invalid(at(path, k), `expected a string, got ${describe(v)}`);
        if (v !== null) name = v;
        break;
      case 'anonymous':
        if (v !== null && typeof v !== 'boolean')
          throw new Invalid(at(path, k), `expected true or false, got ${describe(v)}`);
        anonymous = v === true;
        break;
      case '_meta':
        if (v !== null) {
          const meta = object(v, at(path, '_meta'));
          privateAttributes =
            optArray(meta, 'privateAttributes', at(path, '_meta'), stringItem) ?? [];
        }
        break;
      default:
        if (v !== null) attributes[k] = v;
    }
  }
  return name === undefined
    ? { kind, key, anonymous, attributes, privateAttributes }
    : { kind, key, anonymous, name, attributes, privateAttributes };
}

function readLegacyUser(o: JsonObject): ContextPart {
  const key = o['key'];
  // The legacy format is the one place an empty key is allowed.
  if (typeof key !== 'string') {
    throw new Invalid('key', `a user needs a string key, got ${describe(key)}`);
  }
  const attributes: JsonObject = {};
  let name: string | undefined;
  for (const builtin of LEGACY_BUILTINS) {
    const v = optString(o, builtin, '');
    if (v === undefined) continue;
    if (builtin === 'name') name = v;
    else attributes[builtin] = v;
  }
  const custom = o['custom'];
  if (custom !== undefined && custom !== null) {
    for (const [k, v] of Object.entries(object(custom, 'custom'))) {
      if (!RESERVED_CUSTOM.has(k) && v !== null) attributes[k] = v;
    }
  }
  const anonymous = optBool(o, 'anonymous', '') ?? false;
  const privateAttributes = optArray(o, 'privateAttributeNames', '', stringItem) ?? [];
  const part = { kind: 'user', key, anonymous, attributes, privateAttributes };
  return name === undefined ? part : { ...part, name };
}

/** The individual context of `kind`, if the context has one. */
export function contextPart(context: Context, kind: string): ContextPart | undefined {
  const parts = context.parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === kind) return part;
  }
  return undefined;
}

/**
 * The value an attribute reference selects in one individual context, or undefined when it is
 * absent. `kind`, `key`, `name` and `anonymous` are built in; nested components descend into
 * JSON objects only (no array indexing).
 */
export function attributeValue(part: ContextPart, ref: AttributeReference): JsonValue | undefined {
  const components = ref.components;
  const first = components[0];
  if (first === undefined) return undefined;
  let value: JsonValue | undefined;
  switch (first) {
    case 'kind':
      value = part.kind;
      break;
    case 'key':
      value = part.key;
      break;
    case 'name':
      value = part.name;
      break;
    case 'anonymous':
      value = part.anonymous;
      break;
    default:
      value = part.attributes[first];
  }
  for (let i = 1; i < components.length && value !== undefined; i++) {
    value = isJsonObject(value) ? value[components[i]!] : undefined;
  }
  return value;
}

/**
 * The fully qualified key: the key itself for a lone user, else `kind:key` pairs sorted by kind
 * with `%` and `:` escaped in keys (upstream: go-sdk-common ldcontext builder_multi.go).
 */
export function canonicalKey(context: Context): string {
  const only = context.parts.length === 1 ? context.parts[0] : undefined;
  if (only !== undefined && only.kind === 'user') return only.key;
  return context.parts
    .map((p) => `${p.kind}:${p.key.replace(/%/g, '%25').replace(/:/g, '%3A')}`)
    .join(':');
}

/** The context in LaunchDarkly's current JSON form (single-kind or multi-kind). */
export function contextToJson(context: Context): JsonObject {
  const partJson = (part: ContextPart): JsonObject => {
    const out: JsonObject = { key: part.key, ...part.attributes };
    if (part.name !== undefined) out['name'] = part.name;
    if (part.anonymous) out['anonymous'] = true;
    if (part.privateAttributes.length > 0)
      out['_meta'] = { privateAttributes: [...part.privateAttributes] };
    return out;
  };
  if (context.parts.length === 1) {
    const part = context.parts[0]!;
    return { kind: part.kind, ...partJson(part) };
  }
  const out: JsonObject = { kind: 'multi' };
  for (const part of context.parts) out[part.kind] = partJson(part);
  return out;
}
