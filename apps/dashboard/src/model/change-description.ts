import type {
  AuditEntry,
  Clause,
  Environment,
  Flag,
  JsonValue,
  Prerequisite,
  Rule,
  Segment,
  SegmentRule,
  SegmentTarget,
  Targeting,
  VariationOrRollout,
} from '../api/types.js';
import { jsonEqual } from '../editor/json-patch.js';
import { weightToPercent } from '../editor/rollout-weights.js';
import { individualTargets } from '../editor/targeting-model.js';
import { variationName } from './flag-summary.js';

// Changes in plain English, for the review step before a save and for the audit log: what a
// person changed, compared as documents (before and after), not as the JSON Patch that carries
// it. "Production: default rule serves a 20% / 80% rollout of true / false instead of false",
// "Production: Rule 2 ("beta users"): added clause country is one of DE, FR". Every difference
// gets a line: what has no sentence of its own is named by its field.

type Variations = Pick<Flag, 'variations'>;

/** Other flags of the project, to name the variations a prerequisite asks for. */
export interface DescribeOptions {
  readonly flags?: readonly Pick<Flag, 'key' | 'variations'>[];
}

/** At most this many values are listed; the rest are counted. */
const LISTED = 10;

function valueText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "ann, bob", "a, b, c, … and 12 more". */
export function listText(values: readonly JsonValue[]): string {
  const shown = values.slice(0, LISTED).map(valueText);
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

/** Equal as JSON (the API's shapes are JSON documents). */
const same = (a: unknown, b: unknown) => jsonEqual(a as JsonValue, b as JsonValue);

/** Text quoted for a sentence, cut when long. */
function quoted(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}

// ---------------------------------------------------------------------------------------------
// Clauses and what is served

/** Operator phrases: [for one value, for several, negated one, negated several]. */
const OPERATORS: Record<string, readonly [string, string, string, string]> = {
  in: ['is', 'is one of', 'is not', 'is not one of'],
  startsWith: ['starts with', 'starts with', 'does not start with', 'does not start with'],
  endsWith: ['ends with', 'ends with', 'does not end with', 'does not end with'],
  contains: ['contains', 'contains', 'does not contain', 'does not contain'],
  matches: ['matches', 'matches', 'does not match', 'does not match'],
  lessThan: ['is less than', 'is less than', 'is not less than', 'is not less than'],
  lessThanOrEqual: ['is at most', 'is at most', 'is not at most', 'is not at most'],
  greaterThan: ['is greater than', 'is greater than', 'is not greater than', 'is not greater than'],
  greaterThanOrEqual: ['is at least', 'is at least', 'is not at least', 'is not at least'],
  before: ['is before', 'is before', 'is not before', 'is not before'],
  after: ['is after', 'is after', 'is not after', 'is not after'],
  semVerEqual: ['is version', 'is one of versions', 'is not version', 'is not one of versions'],
  semVerLessThan: [
    'is a version below',
    'is a version below',
    'is not a version below',
    'is not a version below',
  ],
  semVerGreaterThan: [
    'is a version above',
    'is a version above',
    'is not a version above',
    'is not a version above',
  ],
};

/** "country is one of DE, FR", "organization tier is not gold", "the context is in segment beta". */
export function clauseText(clause: Clause): string {
  const several = clause.values.length > 1;
  const negate = clause.negate === true;
  if (clause.op === 'segmentMatch') {
    const verb = negate ? 'is not in' : 'is in';
    return `the context ${verb} ${several ? 'one of the segments' : 'segment'} ${listText(clause.values)}`;
  }
  const kind = clause.contextKind ?? 'user';
  const attribute = kind === 'user' ? clause.attribute : `${kind} ${clause.attribute}`;
  const phrases = OPERATORS[clause.op];
  const op =
    phrases === undefined
      ? `${negate ? 'not ' : ''}${clause.op}`
      : phrases[(negate ? 2 : 0) + (several ? 1 : 0)]!;
  // Only "is one of" lists; other operators match any of their values.
  const values =
    clause.op === 'in' || clause.op === 'semVerEqual'
      ? listText(clause.values)
      : clause.values.map(valueText).slice(0, LISTED).join(' or ') +
        (clause.values.length > LISTED ? ` or ${clause.values.length - LISTED} more` : '');
  return `${attribute} ${op} ${values === '' ? '(no values)' : values}`;
}

export function clausesText(clauses: readonly Clause[]): string {
  return clauses.length === 0 ? 'every context' : clauses.map(clauseText).join(' and ');
}

/** "true", "a 20% / 80% rollout of true / false", "… by email". */
export function serveText(flag: Variations, serve: VariationOrRollout): string {
  if (serve.rollout === undefined) return variationName(flag, serve.variation);
  const parts = serve.rollout.variations.filter((v) => v.weight > 0);
  const shares = parts.map((v) => `${weightToPercent(v.weight)}%`).join(' / ');
  const names = parts.map((v) => variationName(flag, v.variation)).join(' / ');
  const { bucketBy, contextKind } = serve.rollout;
  const kind = contextKind !== undefined && contextKind !== 'user' ? `${contextKind} ` : '';
  const by = bucketBy !== undefined && bucketBy !== 'key' ? bucketBy : kind === '' ? '' : 'key';
  const what = serve.rollout.kind === 'experiment' ? 'experiment' : 'rollout';
  return `a ${shares} ${what} of ${names}${by === '' ? '' : ` by ${kind}${by}`}`;
}

// ---------------------------------------------------------------------------------------------
// Matching list items across versions

/** Items paired by id (when every item has one) or else by position. */
function pairItems<T extends { id?: string }>(
  before: readonly T[],
  after: readonly T[],
): { removed: number[]; added: number[]; kept: [number, number][] } {
  const byId = [...before, ...after].every((x) => x.id !== undefined && x.id !== '');
  const key = (x: T, i: number) => (byId ? `id:${x.id!}` : `#${i}`);
  const afterIndex = new Map(after.map((x, i) => [key(x, i), i]));
  const beforeKeys = new Set(before.map((x, i) => key(x, i)));
  const kept: [number, number][] = [];
  const removed: number[] = [];
  before.forEach((x, i) => {
    const j = afterIndex.get(key(x, i));
    if (j === undefined) removed.push(i);
    else kept.push([i, j]);
  });
  const added = after.map((x, j) => j).filter((j) => !beforeKeys.has(key(after[j]!, j)));
  return { removed, added, kept };
}

/**
 * Of the items kept (pairs of old and new positions, in old order), those that moved: the ones
 * outside a longest run that kept its relative order.
 */
function movedItems(kept: readonly [number, number][]): [number, number][] {
  const n = kept.length;
  // Longest increasing subsequence of the new positions, O(n²): lists of rules are short.
  const length = new Array<number>(n).fill(1);
  const previous = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++)
      if (kept[j]![1] < kept[i]![1] && length[j]! + 1 > length[i]!) {
        length[i] = length[j]! + 1;
        previous[i] = j;
      }
  const stay = new Set<number>();
  let at = length.indexOf(Math.max(0, ...length));
  while (at >= 0) {
    stay.add(at);
    at = previous[at]!;
  }
  return kept.filter((_, i) => !stay.has(i));
}

/** Clause changes of a rule: equal clauses cancel out, the rest pair up by position. */
function clauseChanges(before: readonly Clause[], after: readonly Clause[]): string[] {
  const left = [...before];
  const right: Clause[] = [];
  for (const clause of after) {
    const i = left.findIndex((c) => same(c, clause));
    if (i >= 0) left.splice(i, 1);
    else right.push(clause);
  }
  const lines: string[] = [];
  const paired = Math.min(left.length, right.length);
  for (let i = 0; i < paired; i++)
    lines.push(`changed clause ${clauseText(left[i]!)} to ${clauseText(right[i]!)}`);
  for (const c of left.slice(paired)) lines.push(`removed clause ${clauseText(c)}`);
  for (const c of right.slice(paired)) lines.push(`added clause ${clauseText(c)}`);
  return lines;
}

function ruleLabel(rule: { description?: string }, index: number): string {
  const description = rule.description?.trim() ?? '';
  return `Rule ${index + 1}${description === '' ? '' : ` (${quoted(description, 60)})`}`;
}

// ---------------------------------------------------------------------------------------------
// A flag's targeting in one environment

function ruleChanges(flag: Variations, before: readonly Rule[], after: readonly Rule[]): string[] {
  const lines: string[] = [];
  const { removed, added, kept } = pairItems(before, after);
  for (const i of removed) {
    const r = before[i]!;
    lines.push(
      `removed ${ruleLabel(r, i)} (if ${clausesText(r.clauses)}, serve ${serveText(flag, r)})`,
    );
  }
  for (const j of added) {
    const r = after[j]!;
    lines.push(
      `added ${ruleLabel(r, j)}: if ${clausesText(r.clauses)}, serve ${serveText(flag, r)}`,
    );
  }
  for (const [i, j] of movedItems(kept))
    lines.push(`moved ${ruleLabel(after[j]!, j)} from position ${i + 1} to ${j + 1}`);
  for (const [i, j] of kept) {
    const old = before[i]!;
    const now = after[j]!;
    const label = ruleLabel(now, j);
    const oldDescription = old.description?.trim() ?? '';
    const newDescription = now.description?.trim() ?? '';
    if (oldDescription !== newDescription) {
      lines.push(
        newDescription === ''
          ? `Rule ${j + 1}: removed its description ${quoted(oldDescription)}`
          : `${label}: ${oldDescription === '' ? 'named' : `renamed from ${quoted(oldDescription)}`}`,
      );
    }
    for (const change of clauseChanges(old.clauses, now.clauses)) lines.push(`${label}: ${change}`);
    const oldServe = serveText(flag, old);
    const newServe = serveText(flag, now);
    if (oldServe !== newServe) lines.push(`${label}: serves ${newServe} instead of ${oldServe}`);
    else if (!same(serveOf(old), serveOf(now)))
      lines.push(`${label}: changed its rollout settings`);
    if ((old.trackEvents ?? false) !== (now.trackEvents ?? false))
      lines.push(`${label}: event tracking turned ${now.trackEvents === true ? 'on' : 'off'}`);
  }
  return lines;
}

const serveOf = (x: VariationOrRollout): VariationOrRollout => ({
  ...(x.variation === undefined ? {} : { variation: x.variation }),
  ...(x.rollout === undefined ? {} : { rollout: x.rollout }),
});

function targetChanges(flag: Variations, before: Targeting, after: Targeting): string[] {
  // Where each context key is served, per context kind, before and after.
  const placed = (t: Targeting) => {
    const at = new Map<string, Map<string, number>>();
    for (const target of individualTargets(t)) {
      const kind = at.get(target.contextKind) ?? new Map<string, number>();
      for (const value of target.values) if (!kind.has(value)) kind.set(value, target.variation);
      at.set(target.contextKind, kind);
    }
    return at;
  };
  const old = placed(before);
  const now = placed(after);
  const kinds = [...new Set([...old.keys(), ...now.keys()])].sort();
  const lines: string[] = [];
  for (const kind of kinds) {
    const from = old.get(kind) ?? new Map<string, number>();
    const to = now.get(kind) ?? new Map<string, number>();
    // Grouped by (variation before, variation after), in first-seen order.
    const groups = new Map<string, { from?: number; to?: number; keys: string[] }>();
    for (const key of [...new Set([...from.keys(), ...to.keys()])]) {
      const a = from.get(key);
      const b = to.get(key);
      if (a === b) continue;
      const id = `${a ?? ''}>${b ?? ''}`;
      const group = groups.get(id) ?? {
        ...(a === undefined ? {} : { from: a }),
        ...(b === undefined ? {} : { to: b }),
        keys: [],
      };
      group.keys.push(key);
      groups.set(id, group);
    }
    for (const g of groups.values()) {
      const what = `${kind} ${plural(g.keys.length, 'target')} ${listText(g.keys)}`;
      const name = (i: number) => `variation ${variationName(flag, i)}`;
      if (g.from === undefined) lines.push(`added ${what} to ${name(g.to!)}`);
      else if (g.to === undefined) lines.push(`removed ${what} from ${name(g.from)}`);
      else lines.push(`moved ${what} from ${name(g.from)} to ${name(g.to)}`);
    }
  }
  return lines;
}

function prerequisiteChanges(
  before: readonly Prerequisite[],
  after: readonly Prerequisite[],
  options: DescribeOptions,
): string[] {
  const serving = (p: Prerequisite) => {
    const other = options.flags?.find((f) => f.key === p.key);
    return other === undefined ? `variation ${p.variation}` : variationName(other, p.variation);
  };
  const lines: string[] = [];
  for (const p of before)
    if (!after.some((q) => q.key === p.key)) lines.push(`removed prerequisite flag ${p.key}`);
  for (const p of after) {
    const old = before.find((q) => q.key === p.key);
    if (old === undefined) lines.push(`added prerequisite: flag ${p.key} must serve ${serving(p)}`);
    else if (old.variation !== p.variation)
      lines.push(`prerequisite flag ${p.key} must serve ${serving(p)} instead of ${serving(old)}`);
  }
  if (lines.length === 0 && !same(before, after))
    lines.push(`prerequisites reordered: ${after.map((p) => p.key).join(', ')}`);
  return lines;
}

/** Fields of a targeting that have sentences of their own (or never change in an edit). */
const TARGETING_FIELDS = new Set([
  'on',
  'prerequisites',
  'targets',
  'contextTargets',
  'rules',
  'fallthrough',
  'offVariation',
  'clientSideAvailability',
  'trackEvents',
  'trackEventsFallthrough',
  'salt',
  'version',
]);

/** The changes to a flag's targeting in one environment, each line starting with `envName`. */
export function describeTargetingChanges(
  flag: Variations,
  envName: string,
  before: Targeting,
  after: Targeting,
  options: DescribeOptions = {},
): string[] {
  const lines: string[] = [];
  const say = (text: string) => lines.push(`${envName}: ${text}`);
  if (before.on !== after.on) say(`targeting turned ${after.on ? 'on' : 'off'}`);
  prerequisiteChanges(before.prerequisites ?? [], after.prerequisites ?? [], options).forEach(say);
  targetChanges(flag, before, after).forEach(say);
  ruleChanges(flag, before.rules ?? [], after.rules ?? []).forEach(say);
  if (!same(serveOf(before.fallthrough), serveOf(after.fallthrough))) {
    const old = serveText(flag, before.fallthrough);
    const now = serveText(flag, after.fallthrough);
    say(
      old === now
        ? "default rule's rollout settings changed"
        : `default rule serves ${now} instead of ${old}`,
    );
  }
  if (before.offVariation !== after.offVariation) {
    const off = (i: number | undefined) =>
      i === undefined ? "nothing (the SDK's default value)" : variationName(flag, i);
    say(
      `when targeting is off, serves ${off(after.offVariation)} instead of ${off(before.offVariation)}`,
    );
  }
  const oldAvailable = before.clientSideAvailability;
  const newAvailable = after.clientSideAvailability;
  if (oldAvailable?.usingEnvironmentId !== newAvailable?.usingEnvironmentId)
    say(
      newAvailable?.usingEnvironmentId === true
        ? 'available to browser SDKs (client-side ID)'
        : 'no longer available to browser SDKs',
    );
  if (oldAvailable?.usingMobileKey !== newAvailable?.usingMobileKey)
    say(
      newAvailable?.usingMobileKey === true
        ? 'available to mobile SDKs (mobile key)'
        : 'no longer available to mobile SDKs',
    );
  if ((before.trackEvents ?? false) !== (after.trackEvents ?? false))
    say(`event tracking of every evaluation turned ${after.trackEvents === true ? 'on' : 'off'}`);
  if ((before.trackEventsFallthrough ?? false) !== (after.trackEventsFallthrough ?? false))
    say(
      `event tracking of the default rule turned ${after.trackEventsFallthrough === true ? 'on' : 'off'}`,
    );
  if (before.salt !== after.salt) say('changed the salt that rollouts bucket contexts with');
  otherFields(before, after, TARGETING_FIELDS).forEach((field) => say(`changed ${field}`));
  return lines;
}

/** Top-level fields outside `known` whose values differ. */
function otherFields(before: object, after: object, known: ReadonlySet<string>): string[] {
  const a = before as Record<string, JsonValue>;
  const b = after as Record<string, JsonValue>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !known.has(k) && !jsonEqual(a[k], b[k]))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// A flag as a whole (definition and every environment): the audit log

const FLAG_FIELDS = new Set([
  'key',
  'name',
  'description',
  'tags',
  'variations',
  'temporary',
  'archived',
  'environments',
  'version',
  'createdAt',
  'updatedAt',
]);

function textChanges(
  what: string,
  before: string | undefined,
  after: string | undefined,
): string[] {
  const old = before ?? '';
  const now = after ?? '';
  if (old === now) return [];
  if (now === '') return [`removed the ${what} ${quoted(old)}`];
  return [
    old === ''
      ? `${what} set to ${quoted(now)}`
      : `${what} changed to ${quoted(now)} (was ${quoted(old)})`,
  ];
}

function tagChanges(before: readonly string[] = [], after: readonly string[] = []): string[] {
  const added = after.filter((t) => !before.includes(t));
  const removed = before.filter((t) => !after.includes(t));
  return [
    ...(added.length === 0 ? [] : [`added ${plural(added.length, 'tag')} ${listText(added)}`]),
    ...(removed.length === 0
      ? []
      : [`removed ${plural(removed.length, 'tag')} ${listText(removed)}`]),
  ];
}

/** Every change to a flag; `envName` names an environment key for a person. */
export function describeFlagChanges(
  before: Flag,
  after: Flag,
  envName: (key: string) => string = (key) => key,
  options: DescribeOptions = {},
): string[] {
  const lines: string[] = [];
  if (before.name !== after.name)
    lines.push(`renamed to ${quoted(after.name)} (was ${quoted(before.name)})`);
  lines.push(...textChanges('description', before.description, after.description));
  lines.push(...tagChanges(before.tags, after.tags));
  if (before.temporary !== after.temporary)
    lines.push(after.temporary ? 'marked temporary' : 'marked permanent');
  if (before.archived !== after.archived) lines.push(after.archived ? 'archived' : 'restored');
  const count = Math.max(before.variations.length, after.variations.length);
  for (let i = 0; i < count; i++) {
    const old = before.variations[i];
    const now = after.variations[i];
    if (old === undefined) lines.push(`added variation ${variationName(after, i)}`);
    else if (now === undefined) lines.push(`removed variation ${variationName(before, i)}`);
    else {
      if (!jsonEqual(old.value, now.value))
        lines.push(
          `variation ${i + 1} now has the value ${JSON.stringify(now.value)} (was ${JSON.stringify(old.value)})`,
        );
      if ((old.name ?? '') !== (now.name ?? ''))
        lines.push(
          (now.name ?? '') === ''
            ? `variation ${i + 1} is no longer named ${quoted(old.name ?? '')}`
            : `variation ${i + 1} named ${quoted(now.name ?? '')}${(old.name ?? '') === '' ? '' : ` (was ${quoted(old.name ?? '')})`}`,
        );
      if ((old.description ?? '') !== (now.description ?? ''))
        lines.push(`changed the description of variation ${i + 1}`);
    }
  }
  const envKeys = [
    ...new Set([...Object.keys(before.environments), ...Object.keys(after.environments)]),
  ];
  for (const key of envKeys) {
    const old = before.environments[key];
    const now = after.environments[key];
    if (old === undefined) lines.push(`${envName(key)}: now served`);
    else if (now === undefined) lines.push(`${envName(key)}: no longer served`);
    else lines.push(...describeTargetingChanges(after, envName(key), old, now, options));
  }
  otherFields(before, after, FLAG_FIELDS).forEach((field) => lines.push(`changed ${field}`));
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Segments

function keyChanges(
  verbs: { add: string; remove: string },
  before: readonly SegmentTarget[],
  after: readonly SegmentTarget[],
): string[] {
  const pairs = (list: readonly SegmentTarget[]) =>
    new Set(list.flatMap((t) => t.values.map((v) => `${t.contextKind}\u0000${v}`)));
  const old = pairs(before);
  const now = pairs(after);
  const byKind = (keys: readonly string[]) => {
    const kinds = new Map<string, string[]>();
    for (const k of keys) {
      const [kind, value] = k.split('\u0000') as [string, string];
      kinds.set(kind, [...(kinds.get(kind) ?? []), value]);
    }
    return kinds;
  };
  const lines: string[] = [];
  for (const [kind, values] of byKind([...now].filter((k) => !old.has(k))))
    lines.push(`${verbs.add} ${kind} ${plural(values.length, 'key')} ${listText(values)}`);
  for (const [kind, values] of byKind([...old].filter((k) => !now.has(k))))
    lines.push(`${verbs.remove} ${kind} ${plural(values.length, 'key')} ${listText(values)}`);
  return lines;
}

const users = (values: readonly string[] = []): SegmentTarget[] => [
  { contextKind: 'user', values: [...values] },
];

function segmentRuleText(rule: SegmentRule): string {
  const share =
    rule.weight === undefined
      ? ''
      : `, ${weightToPercent(rule.weight)}% of them by ${rule.rolloutContextKind !== undefined && rule.rolloutContextKind !== 'user' ? `${rule.rolloutContextKind} ` : ''}${rule.bucketBy ?? 'key'}`;
  return `contexts where ${clausesText(rule.clauses)}${share}`;
}

function segmentRuleChanges(before: readonly SegmentRule[], after: readonly SegmentRule[]) {
  const lines: string[] = [];
  const { removed, added, kept } = pairItems(before, after);
  for (const i of removed) lines.push(`removed Rule ${i + 1} (${segmentRuleText(before[i]!)})`);
  for (const j of added) lines.push(`added Rule ${j + 1}: ${segmentRuleText(after[j]!)}`);
  for (const [i, j] of movedItems(kept))
    lines.push(`moved Rule ${j + 1} from position ${i + 1} to ${j + 1}`);
  for (const [i, j] of kept) {
    const old = before[i]!;
    const now = after[j]!;
    for (const change of clauseChanges(old.clauses, now.clauses))
      lines.push(`Rule ${j + 1}: ${change}`);
    if (old.weight !== now.weight) {
      const was = old.weight === undefined ? 'all' : `${weightToPercent(old.weight)}%`;
      const share =
        now.weight === undefined
          ? 'all matching contexts'
          : `${weightToPercent(now.weight)}% of the matching contexts`;
      lines.push(`Rule ${j + 1}: now includes ${share} (was ${was})`);
    } else if (old.bucketBy !== now.bucketBy || old.rolloutContextKind !== now.rolloutContextKind)
      lines.push(`Rule ${j + 1}: now ${segmentRuleText(now)}`);
  }
  return lines;
}

const SEGMENT_FIELDS = new Set([
  'key',
  'name',
  'description',
  'tags',
  'included',
  'excluded',
  'includedContexts',
  'excludedContexts',
  'rules',
  'version',
  'createdAt',
  'updatedAt',
  'generation',
]);

/** Every change to a segment. */
export function describeSegmentChanges(before: Segment, after: Segment): string[] {
  const lines: string[] = [];
  if (before.name !== after.name)
    lines.push(`renamed to ${quoted(after.name)} (was ${quoted(before.name)})`);
  lines.push(...textChanges('description', before.description, after.description));
  lines.push(...tagChanges(before.tags, after.tags));
  lines.push(
    ...keyChanges(
      { add: 'included', remove: 'no longer includes' },
      [...users(before.included), ...(before.includedContexts ?? [])],
      [...users(after.included), ...(after.includedContexts ?? [])],
    ),
    ...keyChanges(
      { add: 'excluded', remove: 'no longer excludes' },
      [...users(before.excluded), ...(before.excludedContexts ?? [])],
      [...users(after.excluded), ...(after.excludedContexts ?? [])],
    ),
  );
  lines.push(...segmentRuleChanges(before.rules ?? [], after.rules ?? []));
  otherFields(before, after, SEGMENT_FIELDS).forEach((field) => lines.push(`changed ${field}`));
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Environments and audit entries

const ENVIRONMENT_FIELDS = new Set([
  'name',
  'secureMode',
  'sdkKey',
  'mobileKey',
  'expiringSdkKey',
  'expiringMobileKey',
  'seq',
  'createdAt',
  'updatedAt',
]);

/** Changes to an environment's settings (its keys have audit actions of their own). */
export function describeEnvironmentChanges(
  before: Partial<Environment>,
  after: Partial<Environment>,
): string[] {
  const lines: string[] = [];
  if (before.name !== after.name)
    lines.push(`renamed to ${quoted(after.name ?? '')} (was ${quoted(before.name ?? '')})`);
  if ((before.secureMode ?? false) !== (after.secureMode ?? false))
    lines.push(
      after.secureMode === true
        ? 'secure mode turned on: browser SDKs must send the hash of their context'
        : 'secure mode turned off',
    );
  // Never the keys themselves: the audit log is for readers too.
  if (before.sdkKey !== after.sdkKey) lines.push('replaced the SDK key');
  if (before.mobileKey !== after.mobileKey) lines.push('replaced the mobile key');
  otherFields(before, after, ENVIRONMENT_FIELDS).forEach((field) => lines.push(`changed ${field}`));
  return lines;
}

const isDocument = (v: JsonValue): v is { [k: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An update in the audit log in plain English; nothing for creations and deletions (their
 * heading says it all) or for resources this does not know.
 */
export function describeAuditEntry(
  entry: AuditEntry,
  envName: (key: string) => string = (key) => key,
): string[] {
  const { before, after } = entry;
  if (!isDocument(before) || !isDocument(after)) return [];
  try {
    switch (entry.resourceKind) {
      case 'flag':
        return describeFlagChanges(before as unknown as Flag, after as unknown as Flag, envName);
      case 'segment':
        return describeSegmentChanges(before as unknown as Segment, after as unknown as Segment);
      case 'environment':
        return describeEnvironmentChanges(
          before as Partial<Environment>,
          after as Partial<Environment>,
        );
      default:
        return [];
    }
  } catch {
    // A shape this version does not know (an older or newer server): the diff still shows it.
    return [];
  }
}
