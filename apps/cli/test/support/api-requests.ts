import fc from 'fast-check';
import { OPERATORS } from '@vexil/protocol';
import {
  hostileValue,
  jsonText,
  mutated,
  oddJsonText,
  oddString,
  oversizeJson,
  encodePathText,
  printable,
  type HostileValue,
  type RawRequest,
} from '@vexil/testkit';
import { REFERENCE_PROJECT, type World } from './api-world.js';
import { patchArbitrary } from './patch-arbitrary.js';
import { schemaArbitrary, type Schema, type Vocabulary } from './schema-arbitrary.js';

// Hostile requests for one operation of the served OpenAPI document: path parameters that name
// existing items or are odd (unicode, `..`, encoded slashes, NUL, very long), query parameters,
// bodies built from the operation's schema and from the stored documents and then mutated, JSON
// Patch documents with every op over the real documents' paths, and odd auth, content types and
// If-Match headers. Most requests are nearly valid, so that they reach the code behind the schema.

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly { name: string; in: 'path' | 'query'; schema: Schema }[];
  readonly mediaTypes: readonly string[];
  readonly bodySchema: Schema | undefined;
}

/** Every operation of the document, in its order. */
export function operationsOf(document: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = (op['requestBody'] as { content?: Record<string, { schema: Schema }> })
        ?.content;
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: (op['parameters'] ?? []) as Operation['parameters'],
        mediaTypes: Object.keys(content ?? {}),
        bodySchema: content === undefined ? undefined : Object.values(content)[0]!.schema,
      });
    }
  }
  return out;
}

const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%',
  '%zz',
  '%C0%AF',
  '%E2%80%AE',
  '~',
  '%20',
  'x'.repeat(3_000),
];

const unique = (values: readonly string[]) => [...new Set(values)];
const words = (values: readonly string[]) => (values.length > 0 ? values : ['none']);

function pathWords(name: string, world: World): string[] {
  const keyOf = (d: { doc: Record<string, unknown> }) => String(d.doc['key']);
  switch (name) {
    case 'projectKey':
      // The reference project holds the rich data; requests made more projects on the way.
      return [REFERENCE_PROJECT, REFERENCE_PROJECT, REFERENCE_PROJECT, ...world.projects];
    case 'environmentKey':
      return unique(world.environments.map((e) => e.key));
    case 'flagKey':
      return unique(world.flags.map(keyOf));
    case 'segmentKey':
      return unique(world.segments.map(keyOf));
    case 'filterKey':
      return unique(world.filters.map(keyOf));
    case 'keyKind':
      return ['sdk', 'mobile'];
    case 'tokenId':
      return world.tokenIds.slice();
    case 'environmentId':
      return world.environments.map((e) => e.id);
    default:
      return ['edge-a'];
  }
}

function segmentArbitrary(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...words(known)).map(encodePathText), weight: 14 },
    { arbitrary: oddString.map(encodePathText), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
  );
}

/** Strings by property or query name: existing keys, operators, context kinds, references. */
export function vocabulary(world: World): Vocabulary {
  const flagKeys = unique(world.flags.map((f) => String(f.doc['key'])));
  const segmentKeys = unique(world.segments.map((s) => String(s.doc['key'])));
  const envKeys = unique(world.environments.map((e) => e.key));
  const kinds = ['user', 'org', 'multi', 'kind', '', 'a b'];
  return {
    mapKeys: words(envKeys),
    byName: {
      key: [...flagKeys, ...segmentKeys, 'fresh-key'],
      op: [...OPERATORS, 'bogus'],
      attribute: ['key', 'email', 'plan', '/address/city', '', '/', '~1', 'kind', '/a~2'],
      contextKind: kinds,
      rolloutContextKind: kinds,
      unboundedContextKind: kinds,
      bucketBy: ['key', 'email', '/a/b', ''],
      values: [...segmentKeys, 'u-1', '@example.com', 'gold', '(a+)+$', '1.2.3'],
      included: ['u-1'],
      excluded: ['u-2'],
      flagKeys: words(flagKeys),
      tags: ['web', 'example'],
      tag: ['web'],
      env: words(envKeys),
      environment: words(envKeys),
      project: words(world.projects),
      flag: words(flagKeys),
      segment: words(segmentKeys),
      filter: unique(world.filters.map((f) => String(f.doc['key']))),
      environmentId: world.environments.map((e) => e.id),
      flagKey: words(flagKeys),
    },
  };
}

const READ_ONLY = ['version', 'createdAt', 'updatedAt', 'archived', 'flags'];

/** A stored document as an input body: read-only fields dropped, targeting versions too. */
function asInput(doc: Record<string, unknown>): HostileValue {
  const input = Object.fromEntries(Object.entries(doc).filter(([k]) => !READ_ONLY.includes(k)));
  const envs = input['environments'] as Record<string, Record<string, unknown>> | undefined;
  if (envs !== undefined) {
    input['environments'] = Object.fromEntries(
      Object.entries(envs).map(([k, t]) => [k, { ...t, version: undefined }]),
    );
  }
  return JSON.parse(JSON.stringify(input)) as HostileValue;
}

/**
 * Bodies to start from: the stored documents that fit the operation's schema, as they are (a
 * create with a taken key) or under a fresh key.
 */
function seedBodies(op: Operation, world: World): fc.Arbitrary<HostileValue>[] {
  const ref = String(op.bodySchema?.['$ref'] ?? '');
  const docs = ref.endsWith('/FlagInput')
    ? world.flags
    : ref.endsWith('/SegmentInput')
      ? world.segments
      : ref.endsWith('/FilterInput')
        ? world.filters
        : undefined;
  if (ref.endsWith('/SdkData'))
    return world.exports.size === 0
      ? []
      : [fc.constantFrom(...(world.exports.values() as Iterable<HostileValue>))];
  if (docs === undefined || docs.length === 0) return [];
  const inputs = docs.map((d) => asInput(d.doc));
  return [
    fc.constantFrom(...inputs),
    fc
      .tuple(fc.constantFrom(...inputs), fc.nat(9_999))
      .map(([input, n]) => ({ ...(input as object), key: `copy-${n}` }) as HostileValue),
  ];
}

function bodyArbitrary(
  op: Operation,
  world: World,
  components: Readonly<Record<string, Schema>>,
  named: ReadonlyMap<string, string>,
): fc.Arbitrary<string | Uint8Array | undefined> {
  if (op.bodySchema === undefined)
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 12 },
      { arbitrary: oddJsonText, weight: 1 },
    );
  let base: fc.Arbitrary<HostileValue>;
  if (String(op.bodySchema['$ref'] ?? '').endsWith('/JsonPatch')) {
    const flags = op.path.includes('/flags/');
    const all = (flags ? world.flags : world.segments).map((d) => d.doc);
    const key = named.get(flags ? 'flagKey' : 'segmentKey');
    const targets = all.filter((d) => d['key'] === key);
    const envKeys = new Set(world.environments.map((e) => e.key));
    base = patchArbitrary(targets.length > 0 ? targets : all, all, envKeys);
  } else {
    const fromSchema = schemaArbitrary(op.bodySchema, components, vocabulary(world));
    const seeds = seedBodies(op, world);
    base =
      seeds.length === 0
        ? fromSchema
        : fc.oneof(fromSchema, seeds.length === 1 ? seeds[0]! : fc.oneof(...seeds));
  }
  return fc.oneof(
    { arbitrary: base.map(jsonText), weight: 5 },
    { arbitrary: base.chain(mutated).map(jsonText), weight: 3 },
    { arbitrary: hostileValue.map(jsonText), weight: 1 },
    { arbitrary: oddJsonText, weight: 1 },
    // Past the 1 MiB body limit of every route but the import.
    { arbitrary: oversizeJson(1_100_000), weight: 1 },
  );
}

function queryArbitrary(
  op: Operation,
  components: Readonly<Record<string, Schema>>,
  vocab: Vocabulary,
): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const one = (p: Operation['parameters'][number]) =>
    fc.option(
      fc
        .oneof(
          {
            arbitrary: schemaArbitrary(p.schema, components, vocab, p.name).map(String),
            weight: 3,
          },
          { arbitrary: oddString, weight: 1 },
          { arbitrary: fc.constantFrom(...ODD_NUMBERS), weight: 1 },
        )
        .map((v) => `${p.name}=${encodePathText(v)}`),
      { freq: 2 },
    );
  const extra = fc.oneof(
    { arbitrary: fc.constant(null), weight: 10 },
    {
      arbitrary: fc.constantFrom('__proto__=1', 'unknown=x', 'limit=1&limit=2', '%zz=1', '=', '&&'),
      weight: 1,
    },
  );
  return fc.tuple(fc.tuple(...params.map(one)), extra).map(([values, odd]) => {
    const parts = [...values, odd].filter((v): v is string => v !== null);
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

/** Numbers as query strings take them: past 2^53, past a BIGINT, signed, fractional. */
const ODD_NUMBERS = [
  '99999999999999999999',
  '9223372036854775808',
  '9007199254740993',
  '000000000000000000001',
  `1${'0'.repeat(400)}`,
  '-1',
  '1.5',
  '1e3',
];

const ODD_AUTH = ['', 'Bearer', 'Bearer x', 'Basic Zm9vOmJhcg==', 'Bearer \t'];
const ODD_TYPES = [
  'text/plain',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json-patch+json',
  'application/merge-patch+json',
];
const IF_MATCH = [
  '"0"',
  '"1"',
  '"2"',
  'W/"1"',
  '*',
  'garbage',
  '"99999999999999999999999"',
  '"-1"',
  '""',
  '1, 2',
];

function headersArbitrary(op: Operation, token: string): fc.Arbitrary<Record<string, string>> {
  type Header = string | undefined;
  const mostly = (common: fc.Arbitrary<Header>, odd: readonly Header[], weight: number) =>
    fc.oneof({ arbitrary: common, weight }, { arbitrary: fc.constantFrom(...odd), weight: 1 });
  const declared: fc.Arbitrary<Header> =
    op.mediaTypes.length > 0 ? fc.constantFrom(...op.mediaTypes) : fc.constant(undefined);
  return fc
    .record({
      authorization: mostly(
        fc.constant(`Bearer ${token}`),
        [undefined, ...ODD_AUTH, token, `bearer ${token}`],
        12,
      ),
      'content-type': mostly(declared, [undefined, ...ODD_TYPES], 8),
      'if-match': mostly(fc.constant(undefined), IF_MATCH, 8),
    })
    .map((h) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
      return out;
    });
}

/** Hostile requests for one operation, given what the server holds now. */
export function requestArbitrary(
  op: Operation,
  world: World,
  components: Readonly<Record<string, Schema>>,
  token: string,
): fc.Arbitrary<RawRequest> {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const segments = fc.tuple(...names.map((n) => segmentArbitrary(pathWords(n, world))));
  // The body depends on the item the path names (a patch of that flag's own paths).
  return segments.chain((values) => {
    const named = new Map(names.map((n, i) => [n, decoded(values[i]!)]));
    return fc
      .record({
        suffix: fc.oneof(
          { arbitrary: fc.constant(''), weight: 15 },
          { arbitrary: fc.constant('/'), weight: 1 },
        ),
        query: queryArbitrary(op, components, vocabulary(world)),
        headers: headersArbitrary(op, token),
        body: bodyArbitrary(op, world, components, named),
      })
      .map(({ suffix, query, headers, body }) => {
        let i = 0;
        const path = op.path.replace(/\{\w+\}/g, () => values[i++]!) + suffix + query;
        const req: RawRequest = {
          method: op.method,
          path,
          headers,
          ...(body === undefined ? {} : { body }),
        };
        return printable(req);
      });
  });
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
