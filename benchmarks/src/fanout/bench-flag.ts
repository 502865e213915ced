// The flag every change of the benchmark rewrites. Its LaunchDarkly JSON is about 1 KB (targets,
// two rules, a rollout), the size of a realistic `patch` event. Each change puts a new marker
// (`vexilmark-<n>`) into the first rule's clause, which the load generator finds in the event.

export const FLAG_KEY = 'fanout-bench';
export const MARKER_PREFIX = 'vexilmark-';

export const markerValue = (marker: number) => `${MARKER_PREFIX}${marker}`;

function targeting() {
  const users = Array.from({ length: 10 }, (_, i) => `user-${String(i).padStart(4, '0')}-bench`);
  return {
    on: true,
    offVariation: 1,
    fallthrough: { variation: 1 },
    targets: [{ values: users, variation: 0 }],
    rules: [
      {
        id: 'rule-marker',
        description: 'marker',
        clauses: [
          {
            attribute: 'key',
            op: 'in',
            values: [markerValue(0)],
            contextKind: 'user',
            negate: false,
          },
        ],
        variation: 0,
      },
      {
        id: 'rule-plan',
        clauses: [
          {
            attribute: 'plan',
            op: 'in',
            values: ['gold', 'platinum', 'enterprise'],
            contextKind: 'user',
            negate: false,
          },
        ],
        rollout: {
          variations: [
            { variation: 0, weight: 30000 },
            { variation: 1, weight: 70000 },
          ],
        },
      },
    ],
  };
}

/** The API body that creates the flag, with the same targeting in every environment. */
export function benchFlag(environmentKeys: readonly string[]) {
  return {
    key: FLAG_KEY,
    name: 'Fan-out benchmark',
    variations: [{ value: true }, { value: false }],
    environments: Object.fromEntries(environmentKeys.map((key) => [key, targeting()])),
  };
}
