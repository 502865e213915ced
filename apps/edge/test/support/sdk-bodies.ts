import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  encodePathText,
  hostileValue,
  jsonText,
  mutated,
  nestedText,
  oddJsonText,
  oddNumber,
  oddString,
  oversizeJson,
  type HostileValue,
} from '@vexil/testkit';

// What SDK requests carry, valid and hostile: evaluation contexts (JSON bodies and base64url in
// the path), OFREP bodies, and analytics events with honest and dishonest counts and times.

/** What the generators build requests from: the environment the edge holds and its keys. */
export interface SdkWorld {
  readonly envId: string;
  readonly sdkKey: string;
  readonly mobileKey: string;
  readonly edgeToken: string;
  readonly flagKeys: readonly string[];
  readonly segmentKeys: readonly string[];
  /** The edge's clock when the run starts: event times near it are counted. */
  readonly now: number;
}

/** Path segments as no client should send them: traversal, encoded slashes, NUL, bad UTF-8. */
export const RAW_SEGMENTS = [
  '..',
  '.',
  '%2F',
  'a%2Fb',
  '%00',
  '%ED%A0%80',
  '%',
  '%zz',
  '~',
  'x'.repeat(3_000),
];

const CONTEXTS: HostileValue[] = [
  { kind: 'user', key: 'u-1', email: 'ann@example.com', plan: 'gold' },
  {
    kind: 'multi',
    user: { key: 'u-2' },
    org: { key: 'acme', plan: 'gold', _meta: { privateAttributes: ['plan'] } },
  },
  { key: 'legacy', custom: { groups: ['beta'] }, privateAttributeNames: ['email'] },
  {
    kind: 'org',
    key: 'o-1',
    address: { city: 'Paris' },
    version: '1.2.3',
    born: '2020-01-01T00:00:00Z',
  },
];

/** Contexts: valid ones, each broken in one place, hostile values, deep and huge attributes. */
export const contextJson: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...CONTEXTS).map(jsonText), weight: 4 },
  {
    arbitrary: fc
      .constantFrom(...CONTEXTS)
      .chain(mutated)
      .map(jsonText),
    weight: 4,
  },
  { arbitrary: hostileValue.map(jsonText), weight: 1 },
  {
    arbitrary: fc
      .constantFrom(63, 64, 65, 2_000)
      .map((d) => `{"kind":"user","key":"deep","a":${nestedText(d)}}`),
    weight: 1,
  },
  {
    arbitrary: fc
      .integer({ min: 1_000, max: 20_000 })
      .map((n) => `{"kind":"user","key":"k","big":[${Array(n).fill('"v"').join(',')}]}`),
    weight: 1,
  },
);

/** A context as it travels in a URL: base64url of its JSON, padded or in the standard alphabet. */
export const pathContext: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .tuple(contextJson, fc.constantFrom('url', 'padded', 'standard'))
      .map(([json, form]) => {
        const b64 = Buffer.from(json, 'utf8').toString(form === 'url' ? 'base64url' : 'base64');
        return encodePathText(
          form === 'padded' ? b64.replace(/\+/g, '-').replace(/\//g, '_') : b64,
        );
      }),
    weight: 10,
  },
  {
    arbitrary: fc.constantFrom(
      '!!!',
      '====',
      'e30',
      'bnVsbA',
      'W10',
      'IiI',
      'A'.repeat(20_000),
      ...RAW_SEGMENTS,
    ),
    weight: 2,
  },
  { arbitrary: oddString.map(encodePathText), weight: 1 },
);

const OFREP_CONTEXTS: HostileValue[] = [
  { targetingKey: 'u-1', email: 'ann@example.com' },
  { targetingKey: 'acme', kind: 'org', plan: 'gold' },
  { kind: 'multi', user: { targetingKey: 'u-1' }, org: { targetingKey: 'acme', plan: 'gold' } },
  { targetingKey: 'u-3', privateAttributes: ['email'] },
];

export const ofrepBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  {
    arbitrary: fc.constantFrom(...OFREP_CONTEXTS).map((context) => jsonText({ context })),
    weight: 4,
  },
  {
    arbitrary: fc
      .constantFrom(...OFREP_CONTEXTS)
      .map((context): HostileValue => ({ context }))
      .chain(mutated)
      .map(jsonText),
    weight: 4,
  },
  { arbitrary: hostileValue.map((context) => jsonText({ context })), weight: 1 },
  { arbitrary: oddJsonText, weight: 1 },
  { arbitrary: oversizeJson(70_000), weight: 1 },
);

/** Counts and times as SDKs send them, and as nothing honest would. */
function eventsArbitrary(world: SdkWorld): fc.Arbitrary<HostileValue> {
  const count = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 3 },
    { arbitrary: fc.constantFrom(1_000_000_000, 999_999_999), weight: 2 },
    { arbitrary: oddNumber, weight: 2 },
  );
  const time = fc.oneof(
    { arbitrary: fc.integer({ min: world.now - 3_600_000, max: world.now }), weight: 3 },
    { arbitrary: oddNumber, weight: 1 },
  );
  const variation = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 4 },
    { arbitrary: fc.constantFrom(99, 100_001, 2 ** 31), weight: 1 },
    { arbitrary: oddNumber, weight: 1 },
  );
  const flagKey = fc.oneof(
    { arbitrary: fc.constantFrom(...world.flagKeys), weight: 6 },
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString'), weight: 1 },
    { arbitrary: oddString, weight: 1 },
  );
  const counter = fc.record({ variation, version: fc.nat(9), value: fc.boolean(), count });
  const summary = fc.record({
    kind: fc.constant('summary'),
    startDate: time,
    endDate: time,
    features: fc
      .array(
        fc.tuple(
          flagKey,
          fc.record({ default: fc.boolean(), counters: fc.array(counter, { maxLength: 3 }) }),
        ),
        { maxLength: 3 },
      )
      .map((entries) => {
        const features: Record<string, HostileValue> = {};
        // defineProperty: `__proto__` as a flag key must be an own member, not the prototype.
        for (const [k, v] of entries)
          Object.defineProperty(features, k, {
            value: v,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        return features;
      }),
  });
  const feature = fc.record({
    kind: fc.constant('feature'),
    key: flagKey,
    variation,
    creationDate: time,
    value: fc.boolean(),
  });
  const other = fc.constantFrom<HostileValue>(
    { kind: 'identify', creationDate: 1, context: { kind: 'user', key: 'u' } },
    { kind: 'custom', key: 'c', metricValue: 1e308 },
    { kind: 'index' },
    { kind: 'diagnostic', id: { diagnosticId: 'x' } },
  );
  return fc.array(fc.oneof(summary, feature, other), {
    maxLength: 6,
  }) as fc.Arbitrary<HostileValue>;
}

export function eventsBody(
  world: SdkWorld,
): fc.Arbitrary<{ body: string | Uint8Array; gzip: 'yes' | 'no' | 'lie' }> {
  const events = eventsArbitrary(world);
  const text = fc.oneof(
    { arbitrary: events.map(jsonText), weight: 6 },
    { arbitrary: events.chain(mutated).map(jsonText), weight: 3 },
    { arbitrary: hostileValue.map(jsonText), weight: 1 },
    { arbitrary: oddJsonText, weight: 1 },
    // Past the 4 MiB limit of an events body, and (gzipped) inflating past it.
    { arbitrary: oversizeJson(4_300_000), weight: 1 },
  );
  return fc
    .tuple(text, fc.constantFrom<'yes' | 'no' | 'lie'>('no', 'no', 'no', 'no', 'yes', 'lie'))
    .map(([body, gzip]) => ({ body: gzip === 'yes' ? gzipSync(body) : body, gzip }));
}
