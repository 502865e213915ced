import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  canonicalKey,
  OFREP_REASONS,
  openFeatureContext,
  openFeatureReason,
  parseFlag,
  reasonMetadata,
  type Flag,
} from '@vexil/protocol';

// The one mapping between OpenFeature and LaunchDarkly that OFREP and both providers use.

function flag(json: object): Flag {
  const parsed = parseFlag({ key: 'f', version: 3, on: true, variations: [false, true], ...json });
  assert.ok(parsed.ok);
  return parsed.value;
}

describe('openFeatureContext', () => {
  test('single-kind, with kind, multi-kind and private attributes', () => {
    const user = openFeatureContext({ targetingKey: 'u1', email: 'a@x' });
    assert.ok(user.ok);
    assert.equal(canonicalKey(user.context), 'u1');
    const org = openFeatureContext({ targetingKey: 'acme', kind: 'org', plan: 'gold' });
    assert.ok(org.ok);
    assert.equal(canonicalKey(org.context), 'org:acme');
    const multi = openFeatureContext({
      kind: 'multi',
      user: { targetingKey: 'u1', privateAttributes: ['email'], email: 'a@x' },
      org: { key: 'acme' },
    });
    assert.ok(multi.ok);
    assert.equal(canonicalKey(multi.context), 'org:acme:user:u1');
  });

  test('a missing key and a context LaunchDarkly rejects have OpenFeature error codes', () => {
    const cases: [unknown, string][] = [
      [undefined, 'TARGETING_KEY_MISSING'],
      [{ email: 'a@x' }, 'TARGETING_KEY_MISSING'],
      [{ kind: 'multi', user: { email: 'a@x' } }, 'TARGETING_KEY_MISSING'],
      ['u1', 'INVALID_CONTEXT'],
      [{ targetingKey: 7 }, 'INVALID_CONTEXT'],
      [{ targetingKey: 'u1', kind: 'multi!' }, 'INVALID_CONTEXT'],
      [{ kind: 'multi', user: 'u1' }, 'INVALID_CONTEXT'],
    ];
    for (const [input, code] of cases) {
      const result = openFeatureContext(input);
      assert.ok(!result.ok, JSON.stringify(input));
      assert.equal(result.errorCode, code, JSON.stringify(input));
      assert.ok(result.details.length > 0);
    }
  });
});

describe('openFeatureReason', () => {
  const rollout = {
    rollout: {
      variations: [
        { variation: 0, weight: 50_000 },
        { variation: 1, weight: 50_000 },
      ],
    },
  };
  const clause = { attribute: 'key', op: 'in', values: ['u'] };

  test('with the flag: SPLIT for rollouts, STATIC without targeting', () => {
    const plain = flag({ fallthrough: { variation: 1 } });
    const targeted = flag({
      fallthrough: { variation: 1 },
      targets: [{ values: ['u'], variation: 0 }],
    });
    const rules = flag({
      fallthrough: rollout,
      rules: [
        { id: 'a', variation: 1, clauses: [clause] },
        { id: 'b', clauses: [clause], ...rollout },
      ],
    });
    assert.equal(openFeatureReason({ kind: 'FALLTHROUGH' }, plain), 'STATIC');
    assert.equal(openFeatureReason({ kind: 'FALLTHROUGH' }, targeted), 'TARGETING_MATCH');
    assert.equal(openFeatureReason({ kind: 'FALLTHROUGH' }, rules), 'SPLIT');
    assert.equal(openFeatureReason({ kind: 'RULE_MATCH', ruleIndex: 0 }, rules), 'TARGETING_MATCH');
    assert.equal(openFeatureReason({ kind: 'RULE_MATCH', ruleIndex: 1 }, rules), 'SPLIT');
    assert.equal(openFeatureReason({ kind: 'OFF' }, plain), 'DISABLED');
    assert.equal(
      openFeatureReason({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'p' }),
      'DISABLED',
    );
    assert.equal(openFeatureReason({ kind: 'TARGET_MATCH' }), 'TARGETING_MATCH');
  });

  test('without the flag, rollouts and flags without targeting read as targeting', () => {
    assert.equal(openFeatureReason({ kind: 'FALLTHROUGH' }), 'TARGETING_MATCH');
    assert.equal(openFeatureReason({ kind: 'RULE_MATCH', ruleIndex: 1 }), 'TARGETING_MATCH');
    assert.equal(openFeatureReason({ kind: 'SOMETHING_NEW' }), 'UNKNOWN');
  });

  test('every mapped reason is in the OFREP list', () => {
    for (const kind of [
      'OFF',
      'FALLTHROUGH',
      'TARGET_MATCH',
      'RULE_MATCH',
      'PREREQUISITE_FAILED',
      'X',
    ])
      assert.ok(OFREP_REASONS.includes(openFeatureReason({ kind, ruleIndex: 0 })), kind);
  });
});

test('reasonMetadata keeps the LaunchDarkly reason as scalars', () => {
  const reason = { kind: 'RULE_MATCH', ruleIndex: 2, ruleId: 'r2', inExperiment: true };
  assert.deepEqual(reasonMetadata(reason, 9), {
    flagVersion: 9,
    reasonKind: 'RULE_MATCH',
    ldReason: JSON.stringify(reason),
    ruleIndex: 2,
    ruleId: 'r2',
    inExperiment: true,
  });
  assert.deepEqual(reasonMetadata({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' }), {
    reasonKind: 'ERROR',
    ldReason: '{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}',
    errorKind: 'MALFORMED_FLAG',
  });
});
