import type { Flag, FlagTargeting, Variation, VariationOrRollout } from '../client/api-types.js';
import { formatFields, formatTime, formatValue, type Column } from '../table.js';
import { formatPercent } from './weights.js';

// How flags read in a terminal: what each environment serves, in one line.

function variationLabel(variations: readonly Variation[], index: number | undefined): string {
  if (index === undefined) return 'nothing';
  const variation = variations[index];
  return variation === undefined ? `variation ${index} (missing)` : formatValue(variation.value);
}

/** `true`, or `30% true / 70% false` for a percentage rollout. */
export function describeServe(serve: VariationOrRollout, variations: readonly Variation[]): string {
  if (serve.rollout !== undefined) {
    return serve.rollout.variations
      .map((w) => `${formatPercent(w.weight)}% ${variationLabel(variations, w.variation)}`)
      .join(' / ');
  }
  return variationLabel(variations, serve.variation);
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `on, serves 30% true / 70% false; 1 rule` or `off, serves false`. */
export function describeTargeting(t: FlagTargeting, variations: readonly Variation[]): string {
  const serves = t.on
    ? `on, serves ${describeServe(t.fallthrough, variations)}`
    : `off, serves ${variationLabel(variations, t.offVariation)}`;
  const targets = t.targets.length + t.contextTargets.length;
  const extras = [
    t.prerequisites.length > 0 ? count(t.prerequisites.length, 'prerequisite') : '',
    targets > 0 ? count(targets, 'target list') : '',
    t.rules.length > 0 ? count(t.rules.length, 'rule') : '',
  ].filter((s) => s !== '');
  return extras.length === 0 ? serves : `${serves}; ${extras.join(', ')}`;
}

/** Columns for `flags list`: on/off per environment, or what one environment serves. */
export function flagColumns(envKeys: readonly string[], env?: string): Column<Flag>[] {
  const columns: Column<Flag>[] = [
    { header: 'KEY', value: (f) => f.key },
    { header: 'NAME', value: (f) => f.name, maxWidth: 30 },
    { header: 'TAGS', value: (f) => f.tags.join(','), maxWidth: 30 },
  ];
  if (env !== undefined) {
    columns.push(
      { header: 'ON', value: (f) => onOff(f.environments[env]) },
      {
        header: 'SERVES',
        value: (f) => {
          const t = f.environments[env];
          return t === undefined ? '' : describeTargeting(t, f.variations);
        },
      },
    );
  } else {
    for (const key of envKeys)
      columns.push({ header: key.toUpperCase(), value: (f) => onOff(f.environments[key]) });
  }
  return columns;
}

/** `-` where the flag is not served at all (an import replaced the environment without it). */
const onOff = (t: FlagTargeting | undefined) => (t === undefined ? '-' : t.on ? 'on' : 'off');

/** The environments of a list of flags, in the order the API gives them. */
export function environmentKeys(flags: readonly Flag[]): string[] {
  const keys = new Set<string>();
  for (const flag of flags) for (const key of Object.keys(flag.environments)) keys.add(key);
  return [...keys];
}

export function flagDetails(flag: Flag, env?: string): string {
  const variations = flag.variations.map(
    (v, i) =>
      [
        `Variation ${i}`,
        `${formatValue(v.value)}${v.name === undefined ? '' : `  (${v.name})`}`,
      ] as const,
  );
  const envs = Object.entries(flag.environments)
    .filter(([key]) => env === undefined || key === env)
    .map(([key, t]) => [`In ${key}`, describeTargeting(t, flag.variations)] as const);
  return formatFields([
    ['Key', flag.key],
    ['Name', flag.name],
    ['Description', flag.description === '' ? undefined : flag.description],
    ['Tags', flag.tags.length === 0 ? undefined : flag.tags.join(', ')],
    ['Lifetime', flag.temporary ? 'temporary' : 'permanent'],
    ['Archived', flag.archived ? 'yes' : undefined],
    ['Version', String(flag.version)],
    ['Created', formatTime(flag.createdAt)],
    ['Updated', formatTime(flag.updatedAt)],
    ...variations,
    ...envs,
  ]);
}
