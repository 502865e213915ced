import type { Segment, SegmentRule } from '@vexil/protocol';
import { segmentClause, userClause } from './clauses.js';
import type { ContextSet } from './contexts.js';
import type { Random } from './random.js';

// Segments as LaunchDarkly's UI produces them: user keys in `included`/`excluded`, other kinds
// in `includedContexts`/`excludedContexts`, rules with 1-2 clauses, some weighted.
//
// Corners left out on purpose (LaunchDarkly's JS SDK deviates from the Go reference there, see
// docs/evaluation.md, "Where LaunchDarkly's SDKs differ"):
// - weighted rules bucket by the user kind, and every generated context has a user part: the JS
//   SDK treats "context lacks rolloutContextKind" as bucket 0 (a match), Go as no match;
// - `includedContexts`/`excludedContexts` name only the org kind, never user (user keys go in
//   `included`/`excluded`, as LaunchDarkly stores them);
// - every rule has a non-empty `clauses` list (JS: a missing list never matches, Go: matches).
// Segment rules may reference earlier segments only, so there is no segment cycle.

export function generateSegments(random: Random, count: number, contexts: ContextSet): Segment[] {
  const segments: Segment[] = [];
  for (let i = 0; i < count; i++) {
    const key = `segment-${i}`;
    const segment: Segment = {
      key,
      version: 1,
      salt: salt(random),
      included: random.sample(contexts.userKeys, random.int(20, 120)),
      excluded: random.sample(contexts.userKeys, random.int(0, 10)),
      rules: Array.from({ length: random.int(1, 3) }, (_, r) =>
        segmentRule(
          random,
          `${key}-rule-${r}`,
          segments.map((s) => s.key),
        ),
      ),
    };
    if (random.chance(0.4)) {
      segment.includedContexts = [
        { contextKind: 'org', values: random.sample(contexts.orgKeys, random.int(3, 10)) },
      ];
    }
    if (random.chance(0.2)) {
      segment.excludedContexts = [
        { contextKind: 'org', values: random.sample(contexts.orgKeys, random.int(1, 4)) },
      ];
    }
    segments.push(segment);
  }
  return segments;
}

function segmentRule(random: Random, id: string, earlierSegments: readonly string[]): SegmentRule {
  const clauses = Array.from({ length: random.int(1, 2) }, () => userClause(random));
  if (earlierSegments.length > 0 && random.chance(0.15))
    clauses.push(segmentClause(random, earlierSegments));
  const rule: SegmentRule = { id, clauses };
  if (random.chance(0.4)) {
    rule.weight = random.int(5_000, 90_000);
    if (random.chance(0.5)) {
      rule.rolloutContextKind = 'user';
      if (random.chance(0.5)) rule.bucketBy = 'email';
    }
  }
  return rule;
}

export function salt(random: Random): string {
  return random.int(0, 0xffffffff).toString(16).padStart(8, '0');
}
