import type { Clause } from '@vexil/protocol';
import type { HeldItem } from './flag-data.js';

// Which flags may evaluate differently after some flags and segments changed: the changed flags,
// every flag whose rules match a changed segment (directly, or through segments whose rules
// match it, to any depth), and every flag that has any of those as a prerequisite (to any
// depth). This is what `flagsChanged` of PROVIDER_CONFIGURATION_CHANGED lists.
//
// The edges are read from the data after the change only. Every edge belongs to the item that
// refers (a flag's prerequisites, a rule's segments): an unchanged item refers to the same
// items before and after, and a changed one is in the result anyway, whatever it referred to.
// The reverse index is rebuilt per call, a pass over the environment: changes are rare next to
// evaluations, and nothing has to be kept in step with every item.

interface Graph {
  readonly flags: ReadonlyMap<string, HeldItem>;
  readonly segments: ReadonlyMap<string, HeldItem>;
}

type Edges = Map<string, Set<string>>;

function link(edges: Edges, to: string, from: string): void {
  let set = edges.get(to);
  if (set === undefined) edges.set(to, (set = new Set()));
  set.add(from);
}

function linkSegments(edges: Edges, clauses: readonly Clause[] | undefined, from: string): void {
  for (const clause of clauses ?? []) {
    if (clause.op !== 'segmentMatch') continue;
    for (const value of clause.values) if (typeof value === 'string') link(edges, value, from);
  }
}

export function affectedFlags(
  graph: Graph,
  changedFlags: Iterable<string>,
  changedSegments: Iterable<string>,
): string[] {
  const flags = new Set(changedFlags);
  const segments = new Set(changedSegments);
  if (flags.size === 0 && segments.size === 0) return [];
  /** Who refers to a flag as a prerequisite; who matches a segment, flags and segments. */
  const requiredBy: Edges = new Map();
  const flagsMatching: Edges = new Map();
  const segmentsMatching: Edges = new Map();
  for (const { key, flag } of graph.flags.values()) {
    for (const prerequisite of flag?.prerequisites ?? []) link(requiredBy, prerequisite.key, key);
    for (const rule of flag?.rules ?? []) linkSegments(flagsMatching, rule.clauses, key);
  }
  if (segments.size > 0) {
    for (const { key, segment } of graph.segments.values())
      for (const rule of segment?.rules ?? []) linkSegments(segmentsMatching, rule.clauses, key);
  }
  // A Set visits the members added while it is iterated: each loop is a breadth-first closure.
  for (const segment of segments) {
    for (const s of segmentsMatching.get(segment) ?? []) segments.add(s);
    for (const f of flagsMatching.get(segment) ?? []) flags.add(f);
  }
  for (const flag of flags) for (const f of requiredBy.get(flag) ?? []) flags.add(f);
  return [...flags];
}
