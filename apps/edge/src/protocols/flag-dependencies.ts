import type { Clause } from '@vexil/protocol';
import type { EnvironmentState, StoredItem } from '../state/environment-state.js';

// Which flags' results can change when one flag or segment changes: the flag itself, the flags
// whose rules match the segment (through segments that match it, to any depth), and the flags
// that have any of those as a prerequisite (to any depth). Client streams re-evaluate only
// these for each connected context, not the whole environment.
//
// The index holds reverse edges ("who refers to me") and is updated per change from the item's
// previous and new JSON, so a change costs the size of one item, not a scan of the environment.

type Edges = Map<string, Set<string>>;

function add(edges: Edges, to: string, from: string): void {
  let set = edges.get(to);
  if (set === undefined) edges.set(to, (set = new Set()));
  set.add(from);
}

function remove(edges: Edges, to: string, from: string): void {
  const set = edges.get(to);
  if (set !== undefined && set.delete(from) && set.size === 0) edges.delete(to);
}

function segmentKeys(clauses: readonly Clause[] | undefined, out: Set<string>): void {
  for (const clause of clauses ?? []) {
    if (clause.op !== 'segmentMatch') continue;
    for (const value of clause.values) if (typeof value === 'string') out.add(value);
  }
}

/** What one item refers to: prerequisite flags and matched segments. */
function references(item: StoredItem | undefined): { flags: Set<string>; segments: Set<string> } {
  const flags = new Set<string>();
  const segments = new Set<string>();
  if (item?.flag !== undefined) {
    for (const prerequisite of item.flag.prerequisites ?? []) flags.add(prerequisite.key);
    for (const rule of item.flag.rules ?? []) segmentKeys(rule.clauses, segments);
  } else if (item?.segment !== undefined) {
    for (const rule of item.segment.rules ?? []) segmentKeys(rule.clauses, segments);
  }
  return { flags, segments };
}

export class FlagDependencies {
  /** prerequisite flag key -> flags that require it. */
  private readonly flagsByPrerequisite: Edges = new Map();
  /** segment key -> flags whose rules match it. */
  private readonly flagsBySegment: Edges = new Map();
  /** segment key -> segments whose rules match it. */
  private readonly segmentsBySegment: Edges = new Map();

  constructor(state: EnvironmentState) {
    for (const item of state.flags.values()) this.link(item, 1);
    for (const item of state.segments.values()) this.link(item, 1);
  }

  /** Moves the edges of a changed item from its previous form to its new one. */
  update(previous: StoredItem | undefined, item: StoredItem): void {
    this.link(previous, -1);
    this.link(item, 1);
  }

  /** Keys of the flags whose result may differ after `item` changed, the flag itself first. */
  affectedBy(item: StoredItem): string[] {
    const flags = new Set<string>();
    if (item.kind === 'flag') {
      flags.add(item.key);
    } else {
      const segments = new Set([item.key]);
      for (const segment of segments) {
        for (const s of this.segmentsBySegment.get(segment) ?? []) segments.add(s);
        for (const f of this.flagsBySegment.get(segment) ?? []) flags.add(f);
      }
    }
    // A Set grows while iterated: newly added prerequisite dependents are visited too.
    for (const flag of flags)
      for (const f of this.flagsByPrerequisite.get(flag) ?? []) flags.add(f);
    return [...flags];
  }

  private link(item: StoredItem | undefined, sign: 1 | -1): void {
    if (item === undefined) return;
    const { flags, segments } = references(item);
    const change = sign === 1 ? add : remove;
    for (const key of flags) change(this.flagsByPrerequisite, key, item.key);
    const bySegment = item.kind === 'flag' ? this.flagsBySegment : this.segmentsBySegment;
    for (const key of segments) change(bySegment, key, item.key);
  }
}
