import fc from 'fast-check';
import { hostileValue, mutated, type HostileValue } from '@vexil/testkit';

// JSON Patch documents with every op (RFC 6902) over the paths of the stored documents they
// patch: most operations well-formed, with values from the same place in some stored document
// (a rule where a rule goes), some with hostile values, odd pointers or broken members.

const unique = (values: readonly string[]) => [...new Set(values)];
const words = (values: readonly string[]) => (values.length > 0 ? values : ['none']);

/** JSON Pointers of every member of `value` (escaped), with `-` after every array. */
export function pointersOf(value: unknown, prefix = ''): string[] {
  const out = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...pointersOf(v, `${prefix}/${i}`)));
    out.push(`${prefix}/-`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value))
      out.push(...pointersOf(v, `${prefix}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return out;
}

function subValues(value: unknown): HostileValue[] {
  const out: HostileValue[] = [value as HostileValue];
  if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) out.push(...subValues(v));
  return out;
}

const ODD_POINTERS = [
  '',
  '/',
  '//',
  'no-slash',
  '/~2',
  '/~',
  '/variations/-1',
  '/variations/01',
  '/variations/1e3',
  '/variations/99999999999999999999',
  '/environments/production/rules/-',
  '/__proto__/polluted',
  '/constructor/prototype',
  '/environments/nope/on',
  '/environments/production/rules/0/clauses/-',
];

/** A pointer with array indexes and environment keys generalised: where values are alike. */
function shapeOf(pointer: string, envKeys: ReadonlySet<string>): string {
  return pointer
    .split('/')
    .map((part) => (/^(\d+|-)$/.test(part) ? '#' : envKeys.has(part) ? '*' : part))
    .join('/');
}

/**
 * JSON Patch documents with every op over the paths of `targets` (the document the request
 * names), with values mostly taken from the same place in `all` (so of the right shape: a rule
 * where a rule goes), else any value found there, or a hostile one.
 */
export function patchArbitrary(
  targets: readonly Record<string, unknown>[],
  all: readonly Record<string, unknown>[],
  envKeys: ReadonlySet<string>,
): fc.Arbitrary<HostileValue> {
  const byShape = new Map<string, HostileValue[]>();
  for (const doc of all) {
    for (const pointer of pointersOf(doc)) {
      const value = valueAt(doc, pointer);
      if (value === undefined) continue;
      const shape = shapeOf(pointer, envKeys);
      const seen = byShape.get(shape) ?? [];
      if (seen.length < 20) seen.push(value);
      byShape.set(shape, seen);
    }
  }
  const anyValue = all.flatMap(subValues).slice(0, 500);
  const pointers = unique(targets.flatMap((d) => pointersOf(d)));
  const pointer = fc.oneof(
    { arbitrary: fc.constantFrom(...words(pointers)), weight: 8 },
    { arbitrary: fc.constantFrom(...ODD_POINTERS), weight: 1 },
  );
  const valueFor = (path: string) => {
    const alike = byShape.get(shapeOf(path, envKeys)) ?? [];
    return fc.oneof(
      {
        arbitrary: fc.constantFrom<HostileValue>(...(alike.length > 0 ? alike : [null])),
        weight: 10,
      },
      {
        arbitrary: fc.constantFrom<HostileValue>(...(anyValue.length > 0 ? anyValue : [null])),
        weight: 1,
      },
      { arbitrary: hostileValue, weight: 1 },
    );
  };
  const op = fc.oneof(
    { arbitrary: fc.constant('replace'), weight: 4 },
    { arbitrary: fc.constantFrom('add', 'remove', 'move', 'copy', 'test'), weight: 5 },
  );
  // Each op with the members RFC 6902 gives it; the mutation below drops or breaks them.
  const operation: fc.Arbitrary<HostileValue> = fc.tuple(op, pointer).chain(([name, path]) => {
    const members: Record<string, fc.Arbitrary<HostileValue>> = {
      op: fc.constant(name),
      path: fc.constant(path),
    };
    if (name === 'move' || name === 'copy') members['from'] = pointer;
    if (name === 'add' || name === 'replace' || name === 'test') members['value'] = valueFor(path);
    return fc.record(members);
  });
  return fc.array(
    fc.oneof(
      { arbitrary: operation, weight: 12 },
      { arbitrary: operation.chain(mutated), weight: 1 },
    ),
    { minLength: 1, maxLength: 3 },
  );
}

/** The member of `doc` at a JSON Pointer from pointersOf (undefined for `-`). */
function valueAt(doc: unknown, pointer: string): HostileValue | undefined {
  let at: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof at !== 'object' || at === null || !(part in at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at as HostileValue;
}
