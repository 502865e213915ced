import type { Flag, FlagRule, JsonValue, Prerequisite, Target } from '@vexil/protocol';
import { attributeClause, segmentClause } from './clauses.js';
import type { ContextSet } from './contexts.js';
import type { Random } from './random.js';
import { salt } from './segments.js';
import { rollout } from './rollouts.js';

// A mix of flags shaped like a production environment: boolean, string, number and JSON
// variations; individual targets; some flags with 10 rules of 2-4 clauses; rollouts and
// experiments; segment matches; prerequisite chains; some flags off.
//
// Corners left out on purpose (LaunchDarkly's JS SDK deviates from the Go reference there, see
// docs/evaluation.md, "Where LaunchDarkly's SDKs differ"):
// - no malformed flag (every variation index in range, no prerequisite cycle, no bad
//   reference): the JS SDK returns a prerequisite's ERROR as the top-level result, Go turns it
//   into PREREQUISITE_FAILED;
// - no `seed: 0` (JS reads it as "no seed");
// - every rule has a non-empty `clauses` list;
// - user-kind `contextTargets` entries are the empty placeholders LaunchDarkly writes (JS looks
//   the user target up for every user-kind entry, Go only for empty ones).
// Regex, date and SemVer clause values keep to forms both dialects read alike (clauses.ts).

const MAX_PREREQUISITE_DEPTH = 3;

type FlagType = 'boolean' | 'string' | 'number' | 'json';

export function generateFlags(
  random: Random,
  count: number,
  contexts: ContextSet,
  segmentKeys: readonly string[],
): Flag[] {
  const flags: Flag[] = [];
  // Prerequisite depth of each boolean flag so far: a chain is at most 3 flags below the top.
  const booleanDepth = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const type = random.pick<FlagType>([
      'boolean',
      'boolean',
      'boolean',
      'string',
      'number',
      'json',
    ]);
    const key = `flag-${i}-${type}`;
    const variations = variationsOf(random, type);
    const flag: Flag = {
      key,
      version: 1,
      on: random.chance(0.9),
      salt: salt(random),
      variations,
      fallthrough: random.chance(0.5)
        ? { variation: random.int(0, variations.length - 1) }
        : { rollout: rollout(random, variations.length) },
    };
    if (random.chance(0.9)) flag.offVariation = random.int(0, variations.length - 1);
    const depth = addPrerequisites(random, flag, booleanDepth);
    if (type === 'boolean') booleanDepth.set(key, depth);
    if (random.chance(0.3)) addTargets(random, flag, contexts);
    const ruleCount = random.chance(0.4) ? 10 : random.int(0, 3);
    flag.rules = Array.from({ length: ruleCount }, (_, r) =>
      rule(random, `${key}-rule-${r}`, variations.length, segmentKeys),
    );
    flags.push(flag);
  }
  return flags;
}

function variationsOf(random: Random, type: FlagType): JsonValue[] {
  switch (type) {
    case 'boolean':
      return [true, false];
    case 'string':
      return random.sample(
        ['control', 'treatment-a', 'treatment-b', 'treatment-c', 'holdout'],
        random.int(2, 4),
      );
    case 'number':
      return random.sample([0, 1, 5, 10, 25, 50, 100, 2.5], random.int(2, 4));
    case 'json':
      return Array.from({ length: random.int(2, 3) }, (_, v) => ({
        theme: random.pick(['light', 'dark', 'system']),
        limits: { requests: random.int(10, 1000), burst: random.int(1, 50) },
        features: random.sample(['search', 'export', 'sso', 'audit', 'ai'], random.int(0, 3)),
        variant: v,
      }));
  }
}

/** Prerequisites on earlier boolean flags (so no cycle). Returns this flag's chain depth. */
function addPrerequisites(
  random: Random,
  flag: Flag,
  booleanDepth: ReadonlyMap<string, number>,
): number {
  const candidates = [...booleanDepth].filter(([, depth]) => depth < MAX_PREREQUISITE_DEPTH);
  if (candidates.length === 0 || !random.chance(0.25)) return 0;
  const chosen = random.sample(candidates, random.int(1, 2));
  flag.prerequisites = chosen.map(([key]): Prerequisite => ({
    key,
    variation: random.chance(0.8) ? 0 : 1,
  }));
  return 1 + Math.max(...chosen.map(([, depth]) => depth));
}

/** User targets, and now and then org targets with the user-kind placeholders LD writes. */
function addTargets(random: Random, flag: Flag, contexts: ContextSet) {
  const n = flag.variations.length;
  const userTargets: Target[] = random
    .sample(
      Array.from({ length: n }, (_, v) => v),
      random.int(1, 2),
    )
    .map((variation) => ({
      values: random.sample(contexts.userKeys, random.int(30, 150)),
      variation,
    }));
  flag.targets = userTargets;
  if (random.chance(0.5)) {
    flag.contextTargets = [
      ...userTargets.map((t) => ({ contextKind: 'user', values: [], variation: t.variation })),
      {
        contextKind: 'org',
        values: random.sample(contexts.orgKeys, random.int(5, 20)),
        variation: random.int(0, n - 1),
      },
    ];
  }
}

function rule(
  random: Random,
  id: string,
  variationCount: number,
  segmentKeys: readonly string[],
): FlagRule {
  const clauses = Array.from({ length: random.int(2, 4) }, () => attributeClause(random));
  // About one rule in six matches on segment membership instead of its first attribute clause.
  if (random.chance(0.17)) clauses[0] = segmentClause(random, segmentKeys);
  const r: FlagRule = { id, clauses };
  if (random.chance(0.7)) r.variation = random.int(0, variationCount - 1);
  else r.rollout = rollout(random, variationCount);
  return r;
}
