/** Any value that JSON can carry. Flag variations and context attributes are JSON values. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How deep arrays and objects may nest in anything Vexil stores or serves: deep enough for any
 * flag or context (a flag is about 8 levels before its values), shallow enough that every
 * recursive copy, comparison and serialization of it is safe.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of `value` (a scalar is 0, `[]` and `{}` are 1), counted without recursion,
 * so any parsed JSON can be measured; stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current))
      if (typeof child === 'object' && child !== null) pending.push([child, level]);
  }
  return deepest;
}
