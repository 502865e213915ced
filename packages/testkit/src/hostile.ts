import fc from 'fast-check';

// Hostile inputs for the property-based suites (issue 14): what an attacker or a broken client
// sends to an endpoint. Values are JSON-like; `RawJson` carries text that JSON.stringify cannot
// write (1e400, escapes of lone surrogates, nesting deeper than any recursive writer survives),
// and `jsonText` writes a value with it.

/** JSON text placed as is where a value would go. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type HostileValue =
  null | boolean | number | string | RawJson | HostileValue[] | { [key: string]: HostileValue };

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));
const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });

/** Strings that break naive handling: separators, prototype names, NUL, lone surrogates, bidi. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '../../etc/passwd',
    'a/b',
    '%2F',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\u202eevil',
    '\ufeffbom',
    'e\u0301',
    '👩‍👩‍👧',
    '<img src=x onerror=alert(1)>',
    "'; DROP TABLE flags; --",
    '${jndi:ldap://x/a}',
    'NaN',
    'Infinity',
    '-0',
    '1e308',
    '\r\n',
    '~0~1/',
  ),
  fc.string({ unit: fc.oneof(anyCodePoint, loneSurrogate), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer({ min: 257, max: 70_000 }).map((n) => 'k'.repeat(n)),
);

/** Numbers at the edges: negative zero, fractions, beyond 2^53, the double range and past it. */
export const oddNumber: fc.Arbitrary<number | RawJson> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1.5, 2 ** 31, 2 ** 53 + 2, 1e20, 1e308, -1e308, 5e-324, 100_001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc
    .constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0.0', '1E2')
    .map((text) => new RawJson(text)),
);

/** Nesting around the API's 64-level limit, and far beyond it (as text). */
export const deepValue: fc.Arbitrary<HostileValue> = fc
  .tuple(fc.constantFrom(30, 62, 63, 64, 65, 66, 1_000, 100_000), fc.boolean())
  .map(([depth, arrays]) => new RawJson(nestedText(depth, arrays)));

/** `depth` nested arrays (or objects) around 1. */
export function nestedText(depth: number, arrays = true): string {
  return arrays
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const leaf: fc.Arbitrary<HostileValue> = fc.oneof(
  fc.constantFrom(null, true, false),
  oddNumber,
  oddString,
);

/** Any hostile value: a wrong-typed leaf, deep or huge structures, prototype keys, plain JSON. */
export const hostileValue: fc.Arbitrary<HostileValue> = fc.oneof(
  { arbitrary: leaf, weight: 4 },
  { arbitrary: deepValue, weight: 1 },
  { arbitrary: fc.constantFrom<HostileValue>([], {}, [null], { '': '' }), weight: 1 },
  {
    // Computed keys define an own property even for `__proto__`.
    arbitrary: fc
      .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), leaf)
      .map(([key, value]): HostileValue => ({ [key]: value })),
    weight: 1,
  },
  {
    arbitrary: fc.integer({ min: 1_000, max: 30_000 }).map((n): HostileValue => Array(n).fill(0)),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<HostileValue>, weight: 2 },
);

/** Request bodies that are not a JSON document at all, or only barely one. */
export const oddJsonText: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    'null',
    '"x"',
    '[]',
    '{}',
    '\ufeff{}',
    '{"a":1,"a":2}',
    '{"__proto__":{"polluted":true}}',
    '[1,]',
    'NaN',
    '1e400',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
  ),
  deepValue.map((raw) => (raw as RawJson).text),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
);

/** A JSON document of more than `bytes` bytes: one long string, over a body limit. */
export function oversizeJson(bytes: number): fc.Arbitrary<string> {
  return fc.constant(`"${'x'.repeat(bytes)}"`);
}

type Mutation = 'replace' | 'remove' | 'add' | 'wrap';

/** Every path in `value` to an array or object member (the root is the empty path). */
function paths(value: HostileValue, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (isObject(value))
    for (const key of Object.keys(value)) out.push(...paths(value[key]!, [...prefix, key]));
  return out;
}

function isObject(value: HostileValue): value is { [key: string]: HostileValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRaw(value);
}

function isRaw(value: unknown): value is RawJson {
  return value instanceof RawJson;
}

/**
 * `value` with one hostile change at a random place: a member replaced by a hostile value,
 * removed (a required field missing), an extra member added, or wrapped in an array.
 */
export function mutated(value: HostileValue): fc.Arbitrary<HostileValue> {
  const all = paths(value);
  return fc
    .record({
      at: fc.nat({ max: all.length - 1 }),
      kind: fc.constantFrom<Mutation>('replace', 'remove', 'add', 'wrap'),
      key: oddString,
      replacement: hostileValue,
    })
    .map(({ at, kind, key, replacement }) => {
      const changed = edit(value, all[at]!, (target) => {
        if (kind === 'replace') return replacement;
        if (kind === 'wrap') return [target];
        if (kind === 'add' && isObject(target)) return { ...target, [key]: replacement };
        if (kind === 'add' && Array.isArray(target)) return [...target, replacement];
        return undefined;
      });
      return changed ?? null;
    });
}

/** A copy of `value` with the member at `path` changed by `change` (undefined removes it). */
function edit(
  value: HostileValue,
  path: readonly (string | number)[],
  change: (target: HostileValue) => HostileValue | undefined,
): HostileValue | undefined {
  if (path.length === 0) return change(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = edit(copy[head as number]!, rest, change);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (!isObject(value)) return value;
  const copy: { [key: string]: HostileValue } = { ...value };
  const next = edit(copy[head as string]!, rest, change);
  if (next === undefined) delete copy[head as string];
  // defineProperty: an assignment to `__proto__` would set the prototype instead.
  else
    Object.defineProperty(copy, head as string, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

/** JSON text of a hostile value: RawJson as is, own `__proto__` keys kept, NaN as null. */
export function jsonText(value: HostileValue): string {
  if (isRaw(value)) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (isObject(value)) {
    const members = Object.keys(value).map((k) => `${JSON.stringify(k)}:${jsonText(value[k]!)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
