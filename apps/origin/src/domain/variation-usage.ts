import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from '@vexil/protocol';
import type { FlagRecord, FlagTargeting, FlagVariation } from '@vexil/store';
import { ApiError, type ErrorDetail } from '../http/api-error.js';

// Where a flag's variations are used, and what becomes of that use when the variations are
// edited. Targeting refers to variations by index (as in LaunchDarkly's SDK data): an edit that
// removes or moves a variation must move every index with it, or be refused when a variation
// still served or required somewhere would be gone.

/** One place that serves a variation, or requires it (another flag's prerequisite). */
export interface VariationUse {
  readonly variation: number;
  /** Such as `rule 2 ("beta users") in production`, `prerequisite of flag "checkout" in test`. */
  readonly where: string;
}

interface UseOptions {
  /** Leave out rollout entries of weight 0 and target lists without context keys. */
  readonly ignoreEmpty?: boolean;
}

/** The places one environment's targeting serves each variation. */
export function targetingUses(
  targeting: FlagTargeting,
  envKey: string,
  options: UseOptions = {},
): VariationUse[] {
  const uses: VariationUse[] = [];
  const at = (where: string) => `${where} in ${envKey}`;
  const serve = (
    what: { variation?: number; rollout?: { variations: { variation: number; weight: number }[] } },
    where: string,
  ) => {
    if (what.variation !== undefined) uses.push({ variation: what.variation, where: at(where) });
    for (const wv of what.rollout?.variations ?? []) {
      if (options.ignoreEmpty === true && wv.weight === 0) continue;
      uses.push({
        variation: wv.variation,
        where: at(`${where} (rollout, ${formatWeight(wv.weight)})`),
      });
    }
  };
  if (targeting.offVariation !== undefined)
    uses.push({ variation: targeting.offVariation, where: at('off variation') });
  for (const [list, label] of [
    [targeting.targets, 'individual targets'],
    [targeting.contextTargets, 'context targets'],
  ] as const) {
    for (const target of list) {
      if (options.ignoreEmpty === true && target.values.length === 0) continue;
      const kind = target.contextKind === undefined ? '' : `${target.contextKind} `;
      uses.push({
        variation: target.variation,
        where: at(
          `${label} (${target.values.length} ${kind}key${target.values.length === 1 ? '' : 's'})`,
        ),
      });
    }
  }
  targeting.rules.forEach((rule, i) => {
    const description = (rule as { description?: unknown }).description;
    const named =
      typeof description === 'string' && description !== ''
        ? ` (${JSON.stringify(description)})`
        : '';
    serve(rule, `rule ${i + 1}${named}`);
  });
  serve(targeting.fallthrough, 'default rule');
  return uses;
}

/** The places other flags require a variation of `flag` as a prerequisite. */
export function prerequisiteUses(
  flagKey: string,
  projectFlags: readonly FlagRecord[],
): VariationUse[] {
  const uses: VariationUse[] = [];
  for (const other of projectFlags) {
    if (other.key === flagKey) continue;
    for (const [envKey, t] of Object.entries(other.environments)) {
      for (const p of t.prerequisites) {
        if (p.key === flagKey)
          uses.push({
            variation: p.variation,
            where: `prerequisite of flag "${other.key}" in ${envKey}`,
          });
      }
    }
  }
  return uses;
}

/** What an edit does to each old variation: where it is now, or undefined when removed. */
export type VariationMap = readonly (number | undefined)[];

export function variationLabel(variation: FlagVariation | undefined, index: number): string {
  if (variation === undefined) return `variation ${index}`;
  const value = JSON.stringify(variation.value);
  const shown = value.length > 40 ? `${value.slice(0, 39)}…` : value;
  return variation.name !== undefined && variation.name !== ''
    ? `variation ${index} (${JSON.stringify(variation.name)}: ${shown})`
    : `variation ${index} (${shown})`;
}

/**
 * Refuses an edit that removes variations still in use: a 409 naming each removed variation and
 * every place that uses it.
 */
export function assertRemovedUnused(
  before: FlagRecord,
  map: VariationMap,
  uses: readonly VariationUse[],
): void {
  const details: ErrorDetail[] = [];
  before.variations.forEach((variation, i) => {
    if (map[i] !== undefined) return;
    const places = uses.filter((u) => u.variation === i).map((u) => u.where);
    if (places.length === 0) return;
    details.push({
      path: `variations[${i}]`,
      message: `${variationLabel(variation, i)} is in use, so it cannot be removed: ${unique(places).join('; ')}. Serve another variation there first`,
    });
  });
  if (details.length > 0) throw inUse(details);
}

function inUse(details: ErrorDetail[]): ApiError {
  const more =
    details.length > 1
      ? ` (and ${details.length - 1} more variation${details.length > 2 ? 's' : ''} in use, see details)`
      : '';
  return new ApiError(
    'CONFLICT',
    `cannot change the variations: ${details[0]!.message}${more}`,
    details,
  );
}

/** The targeting with every variation index moved as `map` says (removed ones dropped where a
 * rollout entry has weight 0 or a target list is empty: see assertRemovedUnused for the rest). */
export function remapTargeting(targeting: FlagTargeting, map: VariationMap): FlagTargeting {
  const to = (i: number) => map[i] ?? i;
  const kept = (i: number) => map[i] !== undefined;
  const serve = <
    T extends {
      variation?: number;
      rollout?: { variations: { variation: number; weight: number }[] };
    },
  >(
    what: T,
  ): T => ({
    ...what,
    ...(what.variation === undefined ? {} : { variation: to(what.variation) }),
    ...(what.rollout === undefined
      ? {}
      : {
          rollout: {
            ...what.rollout,
            variations: what.rollout.variations
              .filter((wv) => kept(wv.variation) || wv.weight !== 0)
              .map((wv) => ({ ...wv, variation: to(wv.variation) })),
          },
        }),
  });
  const targets = (list: FlagTargeting['targets']) =>
    list
      .filter((t) => kept(t.variation) || t.values.length > 0)
      .map((t) => ({ ...t, variation: to(t.variation) }));
  return {
    ...targeting,
    ...(targeting.offVariation === undefined ? {} : { offVariation: to(targeting.offVariation) }),
    fallthrough: serve(targeting.fallthrough),
    targets: targets(targeting.targets),
    contextTargets: targets(targeting.contextTargets),
    rules: targeting.rules.map((rule) => serve(rule)),
  };
}

/** A variation as an edit names it: `from` is the index of the existing variation it is. */
export interface VariationEdit {
  value: JsonValue;
  name?: string;
  description?: string;
  from?: number;
}

/**
 * Which old variation each edited one is: by `from`, else the first unclaimed old variation
 * with an equal value, else none (a new variation). 400 for a `from` out of range or claimed
 * twice, and for two variations with equal values.
 */
export function matchVariations(
  old: readonly FlagVariation[],
  edits: readonly VariationEdit[],
): VariationMap {
  const details: ErrorDetail[] = [];
  const claimedBy = new Map<number, number>();
  edits.forEach((edit, i) => {
    if (edit.from === undefined) return;
    if (edit.from >= old.length) {
      details.push({
        path: `variations[${i}].from`,
        message: `the flag has ${old.length} variation(s), 0 to ${old.length - 1}; leave "from" out for a new variation`,
      });
    } else if (claimedBy.has(edit.from)) {
      details.push({
        path: `variations[${i}].from`,
        message: `variation ${edit.from} is already variations[${claimedBy.get(edit.from)!}]; each existing variation can be kept once`,
      });
    } else {
      claimedBy.set(edit.from, i);
    }
  });
  edits.forEach((edit, i) => {
    const j = edits.findIndex((e) => isDeepStrictEqual(e.value, edit.value));
    if (j < i)
      details.push({
        path: `variations[${i}].value`,
        message: `the same value as variations[${j}]; each variation needs a value of its own`,
      });
  });
  if (details.length > 0) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `${details[0]!.path}: ${details[0]!.message}${details.length > 1 ? ` (and ${details.length - 1} more, see details)` : ''}`,
      details,
    );
  }
  edits.forEach((edit, i) => {
    if (edit.from !== undefined) return;
    const j = old.findIndex((v, k) => !claimedBy.has(k) && isDeepStrictEqual(v.value, edit.value));
    if (j >= 0) claimedBy.set(j, i);
  });
  return old.map((_, k) => claimedBy.get(k));
}

/**
 * For a JSON Patch, which changes variations by position: what became of each old variation.
 * Kept where its value still is at its index, or where the value there is new (edited in
 * place); moved where its value went to another index; otherwise removed.
 */
export function patchedVariationMap(
  old: readonly FlagVariation[],
  now: readonly FlagVariation[],
): VariationMap {
  const taken = new Set<number>();
  const map: (number | undefined)[] = old.map((v, i) => {
    if (i < now.length && isDeepStrictEqual(now[i]!.value, v.value)) {
      taken.add(i);
      return i;
    }
    return undefined;
  });
  old.forEach((v, i) => {
    if (map[i] !== undefined) return;
    const j = now.findIndex((n, k) => !taken.has(k) && isDeepStrictEqual(n.value, v.value));
    if (j >= 0) {
      taken.add(j);
      map[i] = j;
    }
  });
  old.forEach((_, i) => {
    if (map[i] !== undefined || i >= now.length || taken.has(i)) return;
    // The value at i is no old variation's: this one was edited in place.
    if (!old.some((o) => isDeepStrictEqual(o.value, now[i]!.value))) {
      taken.add(i);
      map[i] = i;
    }
  });
  return map;
}

/**
 * Refuses a JSON Patch that changes the variations under targeting it leaves as it was: where
 * an environment's targeting (or another flag's prerequisite) still points at an index whose
 * variation was removed or moved, it would silently serve another variation, or none.
 */
export function assertPatchKeepsVariationsInUse(
  before: FlagRecord,
  after: FlagRecord,
  projectFlags: readonly FlagRecord[],
): void {
  const values = (f: FlagRecord) => f.variations.map((v) => v.value);
  if (isDeepStrictEqual(values(before), values(after))) return;
  const map = patchedVariationMap(before.variations, after.variations);
  const uses: VariationUse[] = prerequisiteUses(before.key, projectFlags);
  for (const [envKey, targeting] of Object.entries(before.environments)) {
    const now = after.environments[envKey];
    // Targeting the same patch changed is the patch's own: checkFlag holds it to the new list.
    if (
      now !== undefined &&
      isDeepStrictEqual({ ...now, version: 0 }, { ...targeting, version: 0 })
    )
      uses.push(...targetingUses(targeting, envKey));
  }
  assertRemovedUnused(before, map, uses);
  const details: ErrorDetail[] = [];
  before.variations.forEach((variation, i) => {
    const j = map[i];
    if (j === undefined || j === i) return;
    const places = uses.filter((u) => u.variation === i).map((u) => u.where);
    if (places.length === 0) return;
    details.push({
      path: `variations[${i}]`,
      message: `${variationLabel(variation, i)} moved to index ${j}, but ${unique(places).join('; ')} still point at index ${i}. To reorder variations in use, PATCH the flag's /settings with "from" (targeting moves with them), or change that targeting in the same patch`,
    });
  });
  if (details.length > 0) throw inUse(details);
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** 30000 -> "30%", 33333 -> "33.333%". */
function formatWeight(weight: number): string {
  return `${Number((weight / 1000).toFixed(3))}%`;
}
