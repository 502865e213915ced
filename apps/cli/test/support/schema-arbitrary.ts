import fc from 'fast-check';
import type { HostileValue } from '@vexil/testkit';

// Values for a JSON Schema of the OpenAPI document, mostly valid, so that generated requests get
// past the schema into the handlers and the domain checks behind it; the suite then mutates them.
// Strings come from a vocabulary by property name where one exists (keys that exist, operators,
// context kinds), so references resolve often enough to reach prerequisite and segment checks.

export type Schema = Readonly<Record<string, unknown>>;

export interface Vocabulary {
  /** Strings to try for a property of this name. */
  readonly byName: Readonly<Record<string, readonly string[]>>;
  /** Keys for maps (`additionalProperties`): environment keys. */
  readonly mapKeys: readonly string[];
}

const MAX_DEPTH = 8;

export function schemaArbitrary(
  schema: Schema,
  components: Readonly<Record<string, Schema>>,
  vocabulary: Vocabulary,
  name = '',
  depth = 0,
): fc.Arbitrary<HostileValue> {
  const next = (s: unknown, n: string) =>
    schemaArbitrary(s as Schema, components, vocabulary, n, depth + 1);
  if (depth > MAX_DEPTH) return fc.constant(null);
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const target = components[ref.replace('#/components/schemas/', '')];
    return target === undefined ? fc.constant(null) : next(target, name);
  }
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as HostileValue[]));
  if ('const' in schema) return fc.constant(schema['const'] as HostileValue);
  const type = schema['type'];
  if (Array.isArray(type))
    return fc.oneof(...type.map((t: unknown) => next({ ...schema, type: t }, name)));
  switch (type) {
    case 'object':
      return objectArbitrary(schema, vocabulary, next);
    case 'array':
      return arrayArbitrary(schema, (s) => next(s, name));
    case 'string':
      return stringArbitrary(schema, vocabulary.byName[name]);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<HostileValue>;
  }
}

function objectArbitrary(
  schema: Schema,
  vocabulary: Vocabulary,
  next: (schema: unknown, name: string) => fc.Arbitrary<HostileValue>,
): fc.Arbitrary<HostileValue> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = (schema['required'] ?? []) as string[];
  const model: Record<string, fc.Arbitrary<HostileValue>> = {};
  for (const [key, property] of Object.entries(properties))
    if (property['readOnly'] !== true) model[key] = next(property, key);
  const record = fc.record(model, { requiredKeys: required.filter((k) => k in model) });
  const extra = schema['additionalProperties'];
  if (typeof extra !== 'object' || extra === null) {
    if (Object.keys(properties).length > 0) return record;
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 3,
    }) as fc.Arbitrary<HostileValue>;
  }
  const keys = fc.oneof(
    { arbitrary: fc.constantFrom(...vocabulary.mapKeys, 'missing-env'), weight: 5 },
    { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
  );
  return fc
    .tuple(record, fc.dictionary(keys, next(extra, ''), { maxKeys: 2 }))
    .map(([fixed, map]) => ({ ...map, ...(fixed as object) }) as HostileValue);
}

function arrayArbitrary(
  schema: Schema,
  items: (schema: unknown) => fc.Arbitrary<HostileValue>,
): fc.Arbitrary<HostileValue> {
  const minLength = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
  const maxLength = Math.max(minLength, Math.min(Number(schema['maxItems'] ?? 3), 3));
  const item = items(schema['items'] ?? {});
  return schema['uniqueItems'] === true
    ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
    : fc.array(item, { minLength, maxLength });
}

function stringArbitrary(
  schema: Schema,
  words: readonly string[] | undefined,
): fc.Arbitrary<HostileValue> {
  const minLength = Number(schema['minLength'] ?? 0);
  const maxLength = Math.max(minLength, Math.min(Number(schema['maxLength'] ?? 16), 16));
  const pattern = schema['pattern'];
  const generic =
    typeof pattern === 'string'
      ? fc
          .stringMatching(new RegExp(pattern))
          .filter((s) => s.length >= minLength && s.length <= Number(schema['maxLength'] ?? 256))
      : fc.string({ minLength, maxLength });
  if (words === undefined || words.length === 0) return generic;
  return fc.oneof(
    { arbitrary: fc.constantFrom(...words), weight: 3 },
    { arbitrary: generic, weight: 1 },
  );
}

function integerArbitrary(schema: Schema): fc.Arbitrary<HostileValue> {
  const step = typeof schema['multipleOf'] === 'number' ? schema['multipleOf'] : 1;
  const min = Math.ceil((typeof schema['minimum'] === 'number' ? schema['minimum'] : -3) / step);
  const max = Math.floor(
    Math.min(typeof schema['maximum'] === 'number' ? schema['maximum'] : 2 ** 40, 2 ** 52) / step,
  );
  // Indexes and counts are small in practice: most values near the minimum, some anywhere.
  return fc
    .oneof(
      { arbitrary: fc.integer({ min, max: Math.min(max, min + 3) }), weight: 3 },
      { arbitrary: fc.integer({ min, max }), weight: 1 },
    )
    .map((n) => n * step);
}
