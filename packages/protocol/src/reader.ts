import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

// Structural readers shared by the flag, segment and context parsers. They throw `Invalid`,
// which each public parse function catches and turns into a ValidationError, so nothing
// escapes the package boundary. `null` counts as absent, as in LaunchDarkly's own parsers.

export class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(truncate(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function object(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw new Invalid(path, `expected an object, got ${describe(value)}`);
  return value;
}

export function optString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new Invalid(at(path, key), `expected a string, got ${describe(v)}`);
  return v;
}

export function optBool(obj: JsonObject, key: string, path: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    throw new Invalid(at(path, key), `expected true or false, got ${describe(v)}`);
  }
  return v;
}

export function optNumber(obj: JsonObject, key: string, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Invalid(at(path, key), `expected a number, got ${describe(v)}`);
  }
  return v;
}

export function optInt(obj: JsonObject, key: string, path: string): number | undefined {
  const v = optNumber(obj, key, path);
  if (v !== undefined && !Number.isSafeInteger(v)) {
    throw new Invalid(at(path, key), `expected an integer, got ${v}`);
  }
  return v;
}

export function optArray<T>(
  obj: JsonObject,
  key: string,
  path: string,
  item: (value: JsonValue, path: string) => T,
): T[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const p = at(path, key);
  if (!Array.isArray(v)) throw new Invalid(p, `expected an array, got ${describe(v)}`);
  return v.map((element, i) => item(element, at(p, i)));
}

export function stringItem(value: JsonValue, path: string): string {
  if (typeof value !== 'string')
    throw new Invalid(path, `expected a string, got ${describe(value)}`);
  return value;
}

export function anyItem(value: JsonValue): JsonValue {
  return value;
}

/** Copies `value` onto `target[key]` only when defined (exactOptionalPropertyTypes-friendly). */
export function put<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
) {
  if (value !== undefined) target[key] = value;
}
