// The attribute values contexts are drawn from, shared with the clause generator so that rules
// match a realistic share of contexts instead of almost none.

export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NZ', 'AU', 'CA', 'JP', 'BR', 'IN', 'ES', 'SE'];
export const PLANS = ['free', 'pro', 'team', 'enterprise'];
export const ORG_TIERS = ['startup', 'growth', 'enterprise', 'strategic'];
export const DOMAINS = ['example.com', 'acme.io', 'mail.test', 'corp.example', 'edu.test'];
export const CITIES = ['Auckland', 'London', 'Berlin', 'Paris', 'Tokyo', 'Austin', 'Toronto'];
export const GROUPS = ['beta', 'staff', 'qa', 'partners', 'vip', 'churn-risk'];
export const FIRST_NAMES = ['ann', 'bob', 'chen', 'dana', 'eli', 'fatima', 'greg', 'hana', 'ivan'];

/** Valid SemVer 2.0 strings only: LD's JS and Go parsers disagree on lenient forms (`v1`, `01`). */
export const APP_VERSIONS = [
  '1.9.4',
  '2.0.0',
  '2.0.1',
  '2.1.0-beta.1',
  '2.1.0-beta.2',
  '2.1.0',
  '2.4.3',
  '3.0.0-rc.1',
  '3.0.0',
  '3.1.2+build.7',
];

/** Sign-up dates fall in [2019-01-01, 2026-01-01). */
export const DATE_MIN = Date.UTC(2019, 0, 1);
export const DATE_MAX = Date.UTC(2026, 0, 1);
