import type { Clause, JsonValue, Operator } from '@vexil/protocol';
import { timestamp } from './contexts.js';
import type { Random } from './random.js';
import {
  APP_VERSIONS,
  CITIES,
  COUNTRIES,
  DOMAINS,
  FIRST_NAMES,
  GROUPS,
  ORG_TIERS,
  PLANS,
} from './vocabulary.js';

// Rule clauses over the context vocabulary, one generator per (attribute, operator) pair, with
// clause values chosen so that each clause matches a fair share of contexts.

type ClauseMaker = (random: Random) => Clause;

/**
 * `matches` patterns in the common subset of RE2 (LaunchDarkly's Go reference, and Vexil) and
 * ECMAScript (LaunchDarkly's JS SDK): no lookaround, backreferences, `\b`, named groups or
 * Unicode classes, where the dialects differ.
 */
const PATTERNS = [
  '^[a-d]',
  '@(example|acme)\\.(com|io)$',
  '^[a-z]+\\.[0-9]*[13579]@',
  '[0-9]{2}@',
  'test$',
];

function clause(
  contextKind: string | undefined,
  attribute: string,
  op: Operator,
  values: JsonValue[],
) {
  const c: Clause = { attribute, op, values };
  if (contextKind !== undefined) c.contextKind = contextKind;
  return c;
}

const user = (attribute: string, op: Operator, values: JsonValue[]) =>
  clause('user', attribute, op, values);
const org = (attribute: string, op: Operator, values: JsonValue[]) =>
  clause('org', attribute, op, values);

const USER_CLAUSES: readonly ClauseMaker[] = [
  (r) => user('country', 'in', r.sample(COUNTRIES, r.int(4, 9))),
  (r) => user('plan', 'in', r.sample(PLANS, r.int(2, 3))),
  (r) =>
    user(
      'email',
      'endsWith',
      r.sample(DOMAINS, r.int(2, 4)).map((d) => `@${d}`),
    ),
  (r) =>
    user(
      'key',
      'startsWith',
      r.sample(['1', '2', '3', '4', '5', '6', '7', '8', '9'], r.int(3, 6)).map((d) => `user-${d}`),
    ),
  (r) => user('name', 'contains', r.sample(FIRST_NAMES, r.int(3, 6))),
  (r) => user('email', 'matches', [r.pick(PATTERNS)]),
  (r) => user('age', 'greaterThanOrEqual', [r.int(18, 35)]),
  (r) => user('age', 'lessThan', [r.int(35, 75)]),
  (r) => user('appVersion', 'semVerGreaterThan', [r.pick(['1.9.4', '2.0.0', '2.1.0-beta.1'])]),
  (r) => user('appVersion', 'semVerLessThan', [r.pick(['2.4.3', '3.0.0', '3.1.0'])]),
  (r) => user('appVersion', 'semVerEqual', r.sample(APP_VERSIONS, r.int(2, 4))),
  (r) => user('signupDate', 'after', [timestamp(r)]),
  (r) => user('signupDate', 'before', [timestamp(r)]),
  (r) => user('/address/city', 'in', r.sample(CITIES, r.int(2, 5))),
  (r) => user('groups', 'in', r.sample(GROUPS, r.int(1, 3))),
  // Old-style data (no contextKind): the attribute is a literal name, not a reference.
  (r) => clause(undefined, 'country', 'in', r.sample(COUNTRIES, r.int(4, 9))),
  () => user('kind', 'in', ['org']),
];

const ORG_CLAUSES: readonly ClauseMaker[] = [
  (r) => org('plan', 'in', r.sample(ORG_TIERS, r.int(1, 3))),
  (r) => org('seats', 'greaterThan', [r.int(10, 1000)]),
  (r) => org('country', 'in', r.sample(COUNTRIES, r.int(3, 8))),
];

/** A user or org attribute clause, negated now and then. */
export function attributeClause(random: Random): Clause {
  const maker = random.chance(0.85) ? random.pick(USER_CLAUSES) : random.pick(ORG_CLAUSES);
  const c = maker(random);
  if (random.chance(0.15)) c.negate = true;
  return c;
}

/** A user attribute clause (segment rules, which bucket by user: see segments.ts). */
export function userClause(random: Random): Clause {
  const c = random.pick(USER_CLAUSES)(random);
  if (random.chance(0.15)) c.negate = true;
  return c;
}

export function segmentClause(random: Random, segmentKeys: readonly string[]): Clause {
  const c: Clause = {
    attribute: '',
    op: 'segmentMatch',
    values: random.sample(segmentKeys, random.int(1, 2)),
  };
  if (random.chance(0.2)) c.negate = true;
  return c;
}
