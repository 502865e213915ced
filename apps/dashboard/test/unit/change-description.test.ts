import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEntry, Flag, Segment, Targeting } from '../../src/api/types.js';
import {
  clauseText,
  describeAuditEntry,
  describeEnvironmentChanges,
  describeFlagChanges,
  describeSegmentChanges,
  describeTargetingChanges,
  listText,
  serveText,
} from '../../src/model/change-description.js';

const bool = { variations: [{ value: true }, { value: false }] };
const named = {
  variations: [
    { value: 'blue', name: 'Blue' },
    { value: 'green', name: 'Green' },
  ],
};

const base: Targeting = {
  on: false,
  offVariation: 1,
  fallthrough: { variation: 1 },
  prerequisites: [],
  targets: [],
  contextTargets: [],
  rules: [],
  salt: 's',
  clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
  version: 3,
};
const betaRule = {
  id: 'r2',
  description: 'beta users',
  clauses: [{ contextKind: 'user', attribute: 'plan', op: 'in', values: ['beta'], negate: false }],
  variation: 0,
};
const prod = (before: Targeting, after: Targeting) =>
  describeTargetingChanges(bool, 'Production', before, after);

describe('changes in plain English: a flag in one environment', () => {
  test('on and off', () => {
    assert.deepEqual(prod(base, { ...base, on: true }), ['Production: targeting turned on']);
    assert.deepEqual(prod({ ...base, on: true }, base), ['Production: targeting turned off']);
  });

  test('the default rule: a rollout in percent, not weights, instead of what it served', () => {
    const rollout = {
      rollout: {
        variations: [
          { variation: 0, weight: 20_000 },
          { variation: 1, weight: 80_000 },
        ],
      },
    };
    assert.deepEqual(prod(base, { ...base, fallthrough: rollout }), [
      'Production: default rule serves a 20% / 80% rollout of true / false instead of false',
    ]);
    const thirds = {
      rollout: {
        bucketBy: 'email',
        variations: [
          { variation: 0, weight: 33_333 },
          { variation: 1, weight: 66_667 },
        ],
      },
    };
    assert.deepEqual(prod({ ...base, fallthrough: rollout }, { ...base, fallthrough: thirds }), [
      'Production: default rule serves a 33.333% / 66.667% rollout of true / false by email instead of a 20% / 80% rollout of true / false',
    ]);
    // Variation names are used where the flag has them.
    assert.deepEqual(
      describeTargetingChanges(named, 'Test', base, { ...base, fallthrough: { variation: 0 } }),
      ['Test: default rule serves Blue instead of Green'],
    );
  });

  test('rules: added, changed clause by clause, served, renamed, moved, removed', () => {
    const withRule = { ...base, rules: [{ id: 'r1', clauses: [], variation: 1 }, betaRule] };
    assert.deepEqual(prod(base, { ...base, rules: [betaRule] }), [
      'Production: added Rule 1 ("beta users"): if plan is beta, serve true',
    ]);
    const country = {
      contextKind: 'user',
      attribute: 'country',
      op: 'in',
      values: ['DE', 'FR'],
      negate: false,
    };
    const changed = {
      ...withRule,
      rules: [withRule.rules[0]!, { ...betaRule, clauses: [...betaRule.clauses, country] }],
    };
    assert.deepEqual(prod(withRule, changed), [
      'Production: Rule 2 ("beta users"): added clause country is one of DE, FR',
    ]);
    const served = {
      ...withRule,
      rules: [
        withRule.rules[0]!,
        { ...betaRule, description: 'beta', clauses: [{ ...betaRule.clauses[0]!, negate: true }] },
      ],
    };
    assert.deepEqual(prod(withRule, served), [
      'Production: Rule 2 ("beta"): renamed from "beta users"',
      'Production: Rule 2 ("beta"): changed clause plan is beta to plan is not beta',
    ]);
    const rollout = {
      ...withRule,
      rules: [
        withRule.rules[0]!,
        {
          id: betaRule.id,
          description: betaRule.description,
          clauses: betaRule.clauses,
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
      ],
    };
    assert.deepEqual(prod(withRule, rollout), [
      'Production: Rule 2 ("beta users"): serves a 50% / 50% rollout of true / false instead of true',
    ]);
    const swapped = { ...withRule, rules: [betaRule, withRule.rules[0]!] };
    assert.deepEqual(prod(withRule, swapped), [
      'Production: moved Rule 1 ("beta users") from position 2 to 1',
    ]);
    assert.deepEqual(prod(withRule, { ...withRule, rules: [withRule.rules[0]!] }), [
      'Production: removed Rule 2 ("beta users") (if plan is beta, serve true)',
    ]);
  });

  test('individual targets: added, removed and moved between variations, by context kind', () => {
    const targeted = {
      ...base,
      targets: [{ values: ['ann', 'bob'], variation: 0 }],
    };
    assert.deepEqual(prod(base, targeted), [
      'Production: added user targets ann, bob to variation true',
    ]);
    const moved = {
      ...base,
      targets: [
        { values: ['ann'], variation: 0 },
        { values: ['bob'], variation: 1 },
      ],
    };
    assert.deepEqual(prod(targeted, moved), [
      'Production: moved user target bob from variation true to variation false',
    ]);
    const orgs = {
      ...targeted,
      contextTargets: [
        { contextKind: 'user', values: [], variation: 0 },
        { contextKind: 'organization', values: ['acme'], variation: 1 },
      ],
    };
    assert.deepEqual(prod(targeted, orgs), [
      'Production: added organization target acme to variation false',
    ]);
    assert.deepEqual(prod(targeted, base), [
      'Production: removed user targets ann, bob from variation true',
    ]);
  });

  test('off variation, prerequisites, client-side SDKs, event tracking, and the rest by name', () => {
    const other = [{ key: 'checkout', variations: [{ value: 'on' }, { value: 'off' }] }];
    const { offVariation: _off, ...withoutOff } = base;
    const after: Targeting = {
      ...withoutOff,
      prerequisites: [{ key: 'checkout', variation: 0 }],
      clientSideAvailability: { usingMobileKey: false, usingEnvironmentId: true },
      trackEvents: true,
    };
    assert.deepEqual(describeTargetingChanges(bool, 'Production', base, after, { flags: other }), [
      'Production: added prerequisite: flag checkout must serve "on"',
      "Production: when targeting is off, serves nothing (the SDK's default value) instead of false",
      'Production: available to browser SDKs (client-side ID)',
      'Production: no longer available to mobile SDKs',
      'Production: event tracking of every evaluation turned on',
    ]);
    const unknown = { ...base, somethingNew: 1 } as Targeting;
    assert.deepEqual(prod(base, unknown), ['Production: changed somethingNew']);
    assert.deepEqual(prod(base, { ...base, version: 9 }), [], 'the version is bookkeeping');
  });
});

describe('changes in plain English: clauses and serves', () => {
  test('operators read as words, negated and with one or several values', () => {
    const clause = (op: string, values: unknown[], extra = {}) =>
      clauseText({ attribute: 'email', op, values: values as string[], ...extra });
    assert.equal(clause('endsWith', ['@a.com', '@b.com']), 'email ends with @a.com or @b.com');
    assert.equal(clause('in', ['x']), 'email is x');
    assert.equal(clause('in', ['x', 'y'], { negate: true }), 'email is not one of x, y');
    assert.equal(clause('greaterThanOrEqual', [3]), 'email is at least 3');
    assert.equal(
      clauseText({ contextKind: 'organization', attribute: 'tier', op: 'in', values: ['gold'] }),
      'organization tier is gold',
    );
    assert.equal(
      clauseText({ attribute: 'segmentMatch', op: 'segmentMatch', values: ['beta'] }),
      'the context is in segment beta',
    );
    assert.equal(
      listText(Array.from({ length: 13 }, (_, i) => `u${i}`)).endsWith('and 3 more'),
      true,
    );
  });

  test('a serve: one variation, or a rollout that names its shares', () => {
    assert.equal(serveText(named, { variation: 1 }), 'Green');
    assert.equal(
      serveText(bool, {
        rollout: {
          contextKind: 'organization',
          variations: [
            { variation: 0, weight: 100_000 },
            { variation: 1, weight: 0 },
          ],
        },
      }),
      'a 100% rollout of true by organization key',
    );
  });
});

describe('changes in plain English: segments, flag definitions, environments, audit entries', () => {
  const segment: Segment = {
    key: 'beta',
    name: 'Beta',
    included: ['ann'],
    excluded: [],
    includedContexts: [],
    excludedContexts: [],
    rules: [],
    version: 1,
  };

  test('segments: included and excluded keys, rules with a share, names', () => {
    const after: Segment = {
      ...segment,
      name: 'Beta testers',
      included: ['bob'],
      excluded: ['eve'],
      includedContexts: [{ contextKind: 'organization', values: ['acme'] }],
      rules: [
        {
          id: 'r',
          clauses: [{ attribute: 'country', op: 'in', values: ['DE', 'FR'] }],
          weight: 25_000,
        },
      ],
      version: 2,
    };
    assert.deepEqual(describeSegmentChanges(segment, after), [
      'renamed to "Beta testers" (was "Beta")',
      'included user key bob',
      'included organization key acme',
      'no longer includes user key ann',
      'excluded user key eve',
      'added Rule 1: contexts where country is one of DE, FR, 25% of them by key',
    ]);
    const { weight: _weight, ...everyone } = after.rules[0]!;
    const all = { ...after, rules: [everyone] };
    assert.deepEqual(describeSegmentChanges(after, all), [
      'Rule 1: now includes all matching contexts (was 25%)',
    ]);
  });

  test('a flag definition and its environments, for the audit log', () => {
    const flag: Flag = {
      key: 'f',
      name: 'F',
      description: '',
      tags: ['web'],
      variations: [{ value: true }, { value: false }],
      temporary: true,
      archived: false,
      version: 1,
      createdAt: 0,
      updatedAt: 0,
      environments: { production: base, test: base },
    };
    const after: Flag = {
      ...flag,
      name: 'Feature F',
      description: 'Checkout',
      tags: ['web', 'beta'],
      variations: [{ value: true, name: 'On' }, { value: false }],
      temporary: false,
      version: 2,
      environments: { production: { ...base, on: true, version: 4 }, test: base },
    };
    const names: Record<string, string> = { production: 'Production', test: 'Test' };
    assert.deepEqual(
      describeFlagChanges(flag, after, (k) => names[k] ?? k),
      [
        'renamed to "Feature F" (was "F")',
        'description set to "Checkout"',
        'added tag beta',
        'marked permanent',
        'variation 1 named "On"',
        'Production: targeting turned on',
      ],
    );
  });

  test('environments: secure mode and keys, never the key values', () => {
    assert.deepEqual(
      describeEnvironmentChanges(
        { name: 'Test', secureMode: false, sdkKey: 'sdk-1' },
        { name: 'Test', secureMode: true, sdkKey: 'sdk-2' },
      ),
      [
        'secure mode turned on: browser SDKs must send the hash of their context',
        'replaced the SDK key',
      ],
    );
  });

  test('audit entries: updates in English; creations, deletions and unknown shapes say nothing', () => {
    const entry = (before: unknown, after: unknown, resourceKind = 'flag'): AuditEntry => ({
      id: 1,
      at: 0,
      actor: 'admin',
      action: `${resourceKind}.update`,
      resourceKind,
      resourceKey: 'f',
      before: before as AuditEntry['before'],
      after: after as AuditEntry['after'],
      diff: [],
    });
    const flag = { ...bool, key: 'f', name: 'F', description: '', tags: [], temporary: true };
    const on = { ...flag, environments: { production: { ...base, on: true } } };
    const off = { ...flag, environments: { production: base } };
    assert.deepEqual(
      describeAuditEntry(entry(off, on), (k) => k.toUpperCase()),
      ['PRODUCTION: targeting turned on'],
    );
    assert.deepEqual(describeAuditEntry(entry(null, on)), []);
    assert.deepEqual(describeAuditEntry(entry({ a: 1 }, { a: 2 }, 'token')), []);
    assert.deepEqual(describeAuditEntry(entry({ environments: 3 }, { variations: 'x' })), []);
    assert.deepEqual(
      describeAuditEntry(entry({ ...segment }, { ...segment, included: [] }, 'segment')),
      ['no longer includes user key ann'],
    );
  });
});
