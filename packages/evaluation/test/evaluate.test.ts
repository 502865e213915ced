import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  parseContext,
  parseFlag,
  parseSegment,
  type Context,
  type Flag,
  type Segment,
} from '@vexil/protocol';
import { checkFlag, checkSegment, evaluate, isExperiment, type Lookup } from '@vexil/evaluation';

function flag(json: object): Flag {
  const parsed = parseFlag({ version: 1, ...json });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value;
}

function segment(json: object): Segment {
  const parsed = parseSegment({ version: 1, ...json });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value;
}

function context(json: object): Context {
  const parsed = parseContext(json);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value;
}

function lookupOf(flags: Flag[] = [], segments: Segment[] = []): Lookup {
  return {
    getFlag: (key) => flags.find((f) => f.key === key),
    getSegment: (key) => segments.find((s) => s.key === key),
  };
}

const user = context({ kind: 'user', key: 'u1', email: 'ann@example.com' });

describe('evaluate', () => {
  test('lists the direct prerequisites it evaluated, up to the first failure', () => {
    const a = flag({
      key: 'a',
      on: true,
      variations: [true, false],
      fallthrough: { variation: 0 },
    });
    const b = flag({ key: 'b', on: false, variations: [true, false], offVariation: 1 });
    const top = flag({
      key: 'top',
      on: true,
      variations: ['x', 'y'],
      offVariation: 1,
      fallthrough: { variation: 0 },
      prerequisites: [
        { key: 'a', variation: 0 },
        { key: 'b', variation: 0 },
        { key: 'c', variation: 0 },
      ],
    });
    const result = evaluate(top, user, lookupOf([a, b]));
    assert.deepEqual(result, {
      value: 'y',
      variationIndex: 1,
      reason: { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'b' },
      prerequisites: ['a', 'b'],
    });
  });

  test('never throws, even when the lookup does: the result is ERROR/EXCEPTION', () => {
    const f = flag({
      key: 'f',
      on: true,
      variations: [1, 2],
      prerequisites: [{ key: 'p', variation: 0 }],
      fallthrough: { variation: 0 },
    });
    const broken: Lookup = {
      getFlag: () => {
        throw new Error('store down');
      },
      getSegment: () => undefined,
    };
    assert.deepEqual(evaluate(f, user, broken), {
      value: null,
      reason: { kind: 'ERROR', errorKind: 'EXCEPTION' },
    });
  });

  test('never throws on arbitrary structurally valid flags and contexts', () => {
    const clause = fc.record({
      contextKind: fc.constantFrom('user', 'org', undefined),
      attribute: fc.constantFrom('key', 'email', '/a/b', '', '//', 'kind', 'n'),
      op: fc.constantFrom(
        'in',
        'matches',
        'lessThan',
        'before',
        'semVerEqual',
        'segmentMatch',
        'bogus',
      ),
      values: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      negate: fc.boolean(),
    });
    const vr = fc.oneof(
      fc.record({ variation: fc.integer({ min: -1, max: 3 }) }),
      fc.record({
        rollout: fc.record({
          kind: fc.constantFrom('rollout', 'experiment'),
          bucketBy: fc.constantFrom('key', 'n', '/x~2'),
          contextKind: fc.constantFrom('user', 'org'),
          variations: fc.array(
            fc.record({
              variation: fc.integer({ min: 0, max: 3 }),
              weight: fc.integer({ min: 0, max: 100000 }),
            }),
            { maxLength: 3 },
          ),
        }),
      }),
    );
    const flagArb = fc.record({
      key: fc.constantFrom('f', 'g'),
      on: fc.boolean(),
      variations: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      offVariation: fc.integer({ min: -1, max: 3 }),
      prerequisites: fc.array(
        fc.record({ key: fc.constantFrom('f', 'g', 'h'), variation: fc.nat(3) }),
        { maxLength: 2 },
      ),
      rules: fc.array(
        fc
          .record({ clauses: fc.array(clause, { maxLength: 3 }) })
          .chain((r) => vr.map((v) => ({ ...r, ...v }))),
        {
          maxLength: 3,
        },
      ),
      fallthrough: vr,
    });
    const contextArb = fc.oneof(
      fc.record({
        kind: fc.constant('user'),
        key: fc.string({ minLength: 1 }),
        n: fc.jsonValue({ maxDepth: 2 }),
      }),
      fc.record({
        kind: fc.constant('multi'),
        user: fc.record({ key: fc.string({ minLength: 1 }) }),
        org: fc.record({ key: fc.string({ minLength: 1 }), a: fc.jsonValue({ maxDepth: 2 }) }),
      }),
    );
    fc.assert(
      fc.property(flagArb, flagArb, contextArb, (f1, f2, ctx) => {
        const a = parseFlag(JSON.parse(JSON.stringify({ ...f1, key: 'f' })));
        const b = parseFlag(JSON.parse(JSON.stringify({ ...f2, key: 'g' })));
        const c = parseContext(JSON.parse(JSON.stringify(ctx)));
        if (!a.ok || !b.ok || !c.ok) return;
        const seg = segment({
          key: 'bogus',
          rules: [{ clauses: [{ op: 'segmentMatch', values: ['bogus'] }] }],
        });
        const result = evaluate(a.value, c.value, lookupOf([a.value, b.value], [seg]));
        assert.ok(result.reason.kind !== 'ERROR' || result.reason.errorKind !== 'EXCEPTION');
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  test('a Big Segment without a membership source is NOT_CONFIGURED and does not match', () => {
    const big = segment({ key: 'big', unbounded: true, generation: 2 });
    const f = flag({
      key: 'f',
      on: true,
      variations: [true, false],
      rules: [
        {
          id: 'r',
          variation: 0,
          clauses: [{ attribute: '', op: 'segmentMatch', values: ['big'] }],
        },
      ],
      fallthrough: { variation: 1 },
    });
    assert.deepEqual(evaluate(f, user, lookupOf([], [big])).reason, {
      kind: 'FALLTHROUGH',
      bigSegmentsStatus: 'NOT_CONFIGURED',
    });
    const withStore: Lookup = {
      ...lookupOf([], [big]),
      getBigSegmentMembership: (key) => ({
        status: 'HEALTHY',
        membership: key === 'u1' ? { 'big.g2': true } : {},
      }),
    };
    assert.deepEqual(evaluate(f, user, withStore), {
      value: true,
      variationIndex: 0,
      reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r', bigSegmentsStatus: 'HEALTHY' },
    });
  });

  test('isExperiment follows inExperiment and the rule or fallthrough trackEvents flags', () => {
    const f = flag({
      key: 'f',
      on: true,
      variations: [true],
      trackEventsFallthrough: true,
      rules: [{ variation: 0, trackEvents: false, clauses: [] }],
      fallthrough: { variation: 0 },
    });
    assert.equal(isExperiment(f, { kind: 'FALLTHROUGH' }), true);
    assert.equal(isExperiment(f, { kind: 'RULE_MATCH', ruleIndex: 0 }), false);
    assert.equal(isExperiment(f, { kind: 'RULE_MATCH', ruleIndex: 0, inExperiment: true }), true);
    assert.equal(isExperiment(f, { kind: 'OFF' }), false);
  });
});

describe('checkFlag and checkSegment', () => {
  const paths = (issues: { path: string }[]) => issues.map((i) => i.path);

  test('accept a well-formed flag', () => {
    const f = flag({
      key: 'ok',
      on: true,
      variations: [true, false],
      offVariation: 1,
      rules: [
        {
          clauses: [
            { contextKind: 'user', attribute: '/address/city', op: 'matches', values: ['^Auck'] },
          ],
          rollout: {
            variations: [
              { variation: 0, weight: 30000 },
              { variation: 1, weight: 70000 },
            ],
          },
        },
      ],
      fallthrough: { variation: 0 },
    });
    assert.deepEqual(checkFlag(f), []);
  });

  test('name every semantic problem by its path', () => {
    const f = flag({
      key: 'bad',
      on: true,
      variations: [true, false],
      offVariation: 2,
      prerequisites: [{ key: 'bad', variation: 0 }],
      targets: [{ values: ['u'], variation: 5 }],
      rules: [
        {
          clauses: [
            { contextKind: 'user', attribute: '/a~2', op: 'in', values: [1] },
            { attribute: 'x', op: 'like', values: ['1'] },
            { attribute: 'x', op: 'matches', values: ['(unclosed'] },
          ],
          rollout: {
            variations: [
              { variation: 0, weight: 30000 },
              { variation: 1, weight: 60000 },
            ],
          },
        },
      ],
    });
    assert.deepEqual(paths(checkFlag(f)), [
      'offVariation',
      'prerequisites[0].key',
      'targets[0].variation',
      'rules[0].rollout.variations',
      'rules[0].clauses[0].attribute',
      'rules[0].clauses[1].op',
      'rules[0].clauses[2].values[0]',
      'fallthrough',
    ]);
    const sumIssue = checkFlag(f).find((i) => i.path === 'rules[0].rollout.variations');
    assert.match(sumIssue?.message ?? '', /add up to 90000; they must add up to 100000/);
  });

  test('segment weights stay within 0..100000', () => {
    const s = segment({ key: 's', rules: [{ clauses: [], weight: 150000 }] });
    assert.deepEqual(paths(checkSegment(s)), ['rules[0].weight']);
  });
});
