import type { JsonObject, JsonValue } from '@vexil/protocol';
import type { Random } from './random.js';
import {
  APP_VERSIONS,
  CITIES,
  COUNTRIES,
  DATE_MAX,
  DATE_MIN,
  DOMAINS,
  FIRST_NAMES,
  GROUPS,
  ORG_TIERS,
  PLANS,
} from './vocabulary.js';

// Evaluation contexts as an application would send them: mostly single-kind users, some
// multi-kind user + org. Every context has a user part (see segments.ts on why). Attributes are
// sometimes missing, since a clause on a missing attribute is a path both evaluators must take.

export interface ContextSet {
  readonly contexts: readonly JsonObject[];
  readonly userKeys: readonly string[];
  readonly orgKeys: readonly string[];
}

export function generateContexts(random: Random, count: number, orgCount: number): ContextSet {
  const orgs = Array.from({ length: orgCount }, (_, i) => orgAttributes(random, i));
  const contexts: JsonObject[] = [];
  const userKeys: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = userAttributes(random, i);
    userKeys.push(user.key as string);
    contexts.push(
      random.chance(0.15)
        ? { kind: 'multi', user, org: { ...random.pick(orgs) } }
        : { kind: 'user', ...user },
    );
  }
  return { contexts, userKeys, orgKeys: orgs.map((o) => o.key as string) };
}

function userAttributes(random: Random, i: number): JsonObject {
  const first = random.pick(FIRST_NAMES);
  const user: JsonObject = { key: `user-${i}`, name: `${first} ${i}` };
  const maybe = (probability: number, name: string, value: () => JsonValue) => {
    if (random.chance(probability)) user[name] = value();
  };
  maybe(0.95, 'email', () => `${first}.${i}@${random.pick(DOMAINS)}`);
  maybe(0.9, 'country', () => random.pick(COUNTRIES));
  maybe(0.9, 'plan', () => random.pick(PLANS));
  maybe(0.85, 'appVersion', () => random.pick(APP_VERSIONS));
  // Mostly integers; a few fractional ages exercise bucketing's "not an integer" rule.
  maybe(0.8, 'age', () => (random.chance(0.05) ? random.int(180, 700) / 10 : random.int(16, 80)));
  maybe(0.75, 'address', () => ({
    city: random.pick(CITIES),
    zip: String(random.int(1000, 99999)),
  }));
  maybe(0.7, 'signupDate', () => timestamp(random));
  maybe(0.5, 'groups', () => random.sample(GROUPS, random.int(1, 3)));
  if (random.chance(0.05)) user.anonymous = true;
  return user;
}

function orgAttributes(random: Random, i: number): JsonObject {
  return {
    key: `org-${i}`,
    name: `Org ${i}`,
    plan: random.pick(ORG_TIERS),
    seats: random.int(1, 5000),
    country: random.pick(COUNTRIES),
  };
}

/**
 * A timestamp as Unix milliseconds or as `Date.toISOString()`. Only these two forms: JS's
 * `Date.parse` accepts strings that RFC 3339 (LaunchDarkly's Go reference) rejects.
 */
export function timestamp(random: Random): number | string {
  const ms = random.int(DATE_MIN, DATE_MAX - 1);
  return random.chance(0.3) ? ms : new Date(ms).toISOString();
}
