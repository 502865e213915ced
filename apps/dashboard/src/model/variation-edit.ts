import type { Flag, JsonValue, Targeting, Variation, VariationEdit } from '../api/types.js';
import { parseVariationValue, type FlagKind } from './variation-input.js';

// Editing a flag's variations in the settings dialog: rows as typed, each remembering which
// existing variation it is (`from`), so that the API moves targeting with it when rows are
// reordered, and refuses (409, naming where) to remove one still in use.

export interface VariationRow {
  /** Stable while rows move (a React key). */
  readonly id: string;
  /** Index of the existing variation this row is; undefined for a new one. */
  readonly from: number | undefined;
  readonly value: string;
  readonly name: string;
  readonly description: string;
}

/** The kind the flag's values have: one for all, else JSON. */
export function kindOf(variations: readonly Variation[]): FlagKind {
  const kinds = new Set(
    variations.map((v) =>
      typeof v.value === 'boolean'
        ? 'boolean'
        : typeof v.value === 'number'
          ? 'number'
          : typeof v.value === 'string'
            ? 'string'
            : 'json',
    ),
  );
  return kinds.size === 1 ? [...kinds][0]! : 'json';
}

/** How a value is typed in for its kind: strings as they are, the rest as JSON. */
export function valueText(kind: FlagKind, value: JsonValue): string {
  return kind === 'string' && typeof value === 'string' ? value : JSON.stringify(value);
}

export function rowsOf(variations: readonly Variation[]): VariationRow[] {
  const kind = kindOf(variations);
  return variations.map((v, i) => ({
    id: `v${i}`,
    from: i,
    value: valueText(kind, v.value),
    name: v.name ?? '',
    description: v.description ?? '',
  }));
}

let added = 0;

export function newRow(): VariationRow {
  added += 1;
  return { id: `new${added}`, from: undefined, value: '', name: '', description: '' };
}

/** Rows swapped: `index` moves by `by` (-1 up, +1 down); out of range leaves them as they are. */
export function moveRow<T>(rows: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= rows.length) return [...rows];
  const out = [...rows];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

/**
 * The rows as the API takes them, or the first problem: an unreadable value, or two variations
 * with the same value.
 */
export function variationEdits(
  kind: FlagKind,
  rows: readonly VariationRow[],
): { ok: true; edits: VariationEdit[] } | { ok: false; error: string } {
  if (rows.length === 0) return { ok: false, error: 'A flag needs at least one variation.' };
  const edits: VariationEdit[] = [];
  for (const [i, row] of rows.entries()) {
    const parsed = parseVariationValue(kind, row.value);
    if (!parsed.ok) return { ok: false, error: `Variation ${i + 1}: ${parsed.error}` };
    const same = edits.findIndex((e) => JSON.stringify(e.value) === JSON.stringify(parsed.value));
    if (same >= 0)
      return {
        ok: false,
        error: `Variations ${same + 1} and ${i + 1} have the same value; each needs its own.`,
      };
    edits.push({
      value: parsed.value,
      ...(row.name.trim() === '' ? {} : { name: row.name.trim() }),
      ...(row.description.trim() === '' ? {} : { description: row.description.trim() }),
      ...(row.from === undefined ? {} : { from: row.from }),
    });
  }
  return { ok: true, edits };
}

/** Whether the edits leave the variations exactly as they are. */
export function sameVariations(variations: readonly Variation[], edits: readonly VariationEdit[]) {
  return (
    variations.length === edits.length &&
    edits.every(
      (e, i) =>
        e.from === i &&
        JSON.stringify(e.value) === JSON.stringify(variations[i]!.value) &&
        (e.name ?? '') === (variations[i]!.name ?? '') &&
        (e.description ?? '') === (variations[i]!.description ?? ''),
    )
  );
}

function servesIndex(t: Targeting, index: number): boolean {
  const inServe = (s: {
    variation?: number;
    rollout?: { variations: { variation: number; weight: number }[] };
  }) =>
    s.variation === index ||
    (s.rollout?.variations.some((w) => w.variation === index && w.weight > 0) ?? false);
  return (
    t.offVariation === index ||
    inServe(t.fallthrough) ||
    t.rules.some(inServe) ||
    [...t.targets, ...t.contextTargets].some((x) => x.variation === index && x.values.length > 0)
  );
}

/** The environments whose targeting serves variation `index` of the flag (a hint; the API decides). */
export function environmentsServing(flag: Flag, index: number): string[] {
  return Object.entries(flag.environments)
    .filter(([, t]) => servesIndex(t, index))
    .map(([key]) => key);
}
