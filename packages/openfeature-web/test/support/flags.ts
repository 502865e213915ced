// The flags the tests load, in LaunchDarkly's SDK JSON (docs/protocol.md section 2): one per
// kind of value and per way a result comes about.

function clientFlag(key: string, fields: object): object {
  return {
    key,
    version: 1,
    on: true,
    salt: key,
    clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: true },
    ...fields,
  };
}

export const FLAGS: Record<string, object> = {
  // `vip` is targeted individually; everyone else gets the default rule.
  'new-checkout': clientFlag('new-checkout', {
    variations: [true, false],
    targets: [{ values: ['vip'], variation: 0 }],
    fallthrough: { variation: 1 },
    offVariation: 1,
  }),
  'banner-text': clientFlag('banner-text', {
    variations: ['Welcome', 'Hello again', 'Third'],
    fallthrough: { variation: 0 },
  }),
  // Changed by the tests; the others stay as loaded.
  headline: clientFlag('headline', {
    variations: ['v1', 'v2', 'v3'],
    fallthrough: { variation: 0 },
  }),
  doomed: clientFlag('doomed', { variations: [1, 2], fallthrough: { variation: 0 } }),
  'max-items': clientFlag('max-items', { variations: [10, 25], fallthrough: { variation: 0 } }),
  theme: clientFlag('theme', {
    variations: [{ color: 'dark', density: 2 }, { color: 'light' }],
    fallthrough: { variation: 0 },
  }),
  'plan-perks': clientFlag('plan-perks', {
    variations: ['none', 'gold-perks'],
    rules: [
      { id: 'gold', variation: 1, clauses: [{ attribute: 'plan', op: 'in', values: ['gold'] }] },
    ],
    fallthrough: { variation: 0 },
  }),
  // A Date in the OpenFeature context travels as an ISO string, which `before` compares.
  'early-adopter': clientFlag('early-adopter', {
    variations: [false, true],
    rules: [
      {
        id: 'early',
        variation: 1,
        clauses: [{ attribute: 'signedUpAt', op: 'before', values: ['2020-01-01T00:00:00Z'] }],
      },
    ],
    fallthrough: { variation: 0 },
  }),
  // Off without an off variation: no value at all, so the application's default applies.
  killed: clientFlag('killed', { on: false, variations: [true, false] }),
  paused: clientFlag('paused', {
    on: false,
    variations: ['paused', 'running'],
    offVariation: 0,
  }),
  'server-only': clientFlag('server-only', {
    variations: [true, false],
    fallthrough: { variation: 0 },
    clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
  }),
};
