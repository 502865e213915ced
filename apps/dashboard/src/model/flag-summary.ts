import type { Flag, Targeting, VariationOrRollout } from '../api/types.js';

// One-line descriptions of a flag for lists: its variations by name and what it serves.

/** "New checkout" or the JSON value, for a variation index. */
export function variationName(flag: Pick<Flag, 'variations'>, index: number | undefined): string {
  if (index === undefined) return 'no variation';
  const v = flag.variations[index];
  if (v === undefined) return `variation ${index} (missing)`;
  return v.name !== undefined && v.name !== '' ? v.name : JSON.stringify(v.value);
}

export function describeServe(flag: Pick<Flag, 'variations'>, serve: VariationOrRollout): string {
  if (serve.rollout === undefined) return variationName(flag, serve.variation);
  return serve.rollout.variations
    .filter((v) => v.weight > 0)
    .map((v) => `${v.weight / 1000}% ${variationName(flag, v.variation)}`)
    .join(' / ');
}

/** What the flag serves in an environment, in a few words. */
export function describeTargeting(flag: Flag, t: Targeting | undefined): string {
  if (t === undefined) return 'not served here';
  if (!t.on) return `off: serves ${variationName(flag, t.offVariation)}`;
  const rules =
    t.rules.length === 0 ? '' : `${t.rules.length} rule${t.rules.length === 1 ? '' : 's'}, then `;
  return `${rules}${describeServe(flag, t.fallthrough)}`;
}

/** Every tag used by these flags, sorted. */
export function allTags(flags: readonly Pick<Flag, 'tags'>[]): string[] {
  return [...new Set(flags.flatMap((f) => f.tags))].sort();
}

export interface FlagFilter {
  readonly text: string;
  readonly tag: string;
  readonly state: 'all' | 'on' | 'off';
}

export function filterFlags(flags: readonly Flag[], env: string, filter: FlagFilter): Flag[] {
  const text = filter.text.trim().toLowerCase();
  return flags.filter(
    (f) =>
      (text === '' || [f.key, f.name, f.description].some((s) => s.toLowerCase().includes(text))) &&
      (filter.tag === '' || f.tags.includes(filter.tag)) &&
      (filter.state === 'all' || (f.environments[env]?.on === true) === (filter.state === 'on')),
  );
}
