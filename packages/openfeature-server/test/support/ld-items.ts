// LaunchDarkly flag and segment JSON for the tests (docs/protocol.md section 2).

export interface FlagJson {
  readonly key: string;
  readonly [field: string]: unknown;
}

/** A flag that is on and serves variation 0 unless `fields` say otherwise. */
export function ldFlag(key: string, fields: Record<string, unknown> = {}): FlagJson {
  return {
    key,
    version: 1,
    on: true,
    salt: key,
    variations: [true, false],
    fallthrough: { variation: 0 },
    offVariation: 1,
    ...fields,
  };
}

export function ldSegment(key: string, fields: Record<string, unknown> = {}): FlagJson {
  return { key, version: 1, salt: key, included: [], excluded: [], rules: [], ...fields };
}

/** `{key: item}` for the `flags` or `segments` of a data set. */
export function byKey(items: readonly FlagJson[]): Record<string, FlagJson> {
  return Object.fromEntries(items.map((item) => [item.key, item]));
}
