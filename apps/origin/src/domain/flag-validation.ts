import { isDeepStrictEqual } from 'node:util';
import { checkFlag } from '@vexil/evaluation';
import { parseFlag } from '@vexil/protocol';
import type { FlagRecord, FlagTargeting } from '@vexil/store';
import { ApiError, validationFailed, type ErrorDetail } from '../http/api-error.js';
import { sdkFlag } from './flag-model.js';

/**
 * Strict checks for a flag written through the editing routes: every checked environment's SDK
 * item must pass `checkFlag` (no index out of range, weights adding up to 100%, valid references
 * and patterns), and prerequisites must name live flags of the project, with a variation they
 * have, and form no cycle. `projectFlags` are the flags of the project as stored.
 *
 * With `before` (an update), only the environments whose targeting changed are checked, all of
 * them when the variations changed: an imported flag that LaunchDarkly SDKs accept although it
 * is broken in one environment must stay editable (above all, switchable off) in the others.
 */
export function assertValidFlag(
  record: FlagRecord,
  projectFlags: readonly FlagRecord[],
  before?: FlagRecord,
): void {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const add = (d: ErrorDetail) => {
    const id = `${d.path}|${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      details.push(d);
    }
  };
  const others = new Map(projectFlags.filter((f) => f.key !== record.key).map((f) => [f.key, f]));
  const variationsChanged =
    before === undefined ||
    !isDeepStrictEqual(
      before.variations.map((v) => v.value),
      record.variations.map((v) => v.value),
    );
  for (const [envKey, targeting] of Object.entries(record.environments)) {
    const previous = before?.environments[envKey];
    if (!variationsChanged && previous !== undefined && sameTargeting(previous, targeting))
      continue;
    checkEnvironment(record, envKey, targeting, others, add);
  }
  if (before !== undefined && record.variations.length < before.variations.length) {
    for (const dependent of others.values()) {
      for (const [envKey, t] of Object.entries(dependent.environments)) {
        for (const p of t.prerequisites) {
          if (p.key !== record.key || p.variation < record.variations.length) continue;
          if (p.variation >= before.variations.length) continue;
          add({
            path: 'variations',
            message: `flag "${dependent.key}" requires variation ${p.variation} of this flag as a prerequisite in environment "${envKey}"; change that prerequisite first`,
          });
        }
      }
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

function checkEnvironment(
  record: FlagRecord,
  envKey: string,
  targeting: FlagTargeting,
  others: ReadonlyMap<string, FlagRecord>,
  add: (d: ErrorDetail) => void,
): void {
  const at = `environments.${envKey}`;
  const parsed = parseFlag(sdkFlag(record, targeting, 1));
  if (!parsed.ok) {
    add({ path: `${at}.${parsed.error.path}`, message: parsed.error.message });
    return;
  }
  for (const issue of checkFlag(parsed.value)) {
    add({
      path: issue.path === 'variations' ? 'variations' : `${at}.${issue.path}`,
      message: issue.message,
    });
  }
  targeting.prerequisites.forEach((p, i) => {
    const prereq = others.get(p.key);
    if (p.key === record.key) return;
    if (prereq === undefined) {
      add({
        path: `${at}.prerequisites[${i}].key`,
        message: `flag "${p.key}" does not exist in this project`,
      });
    } else if (prereq.archived) {
      add({
        path: `${at}.prerequisites[${i}].key`,
        message: `flag "${p.key}" is archived; restore it first or choose another prerequisite`,
      });
    } else if (p.variation >= prereq.variations.length) {
      add({
        path: `${at}.prerequisites[${i}].variation`,
        message: `flag "${p.key}" has ${prereq.variations.length} variation(s); use an index from 0 to ${prereq.variations.length - 1}`,
      });
    }
  });
  const cycle = prerequisiteCycle(record, envKey, others);
  if (cycle !== undefined) {
    add({
      path: `${at}.prerequisites`,
      message: `prerequisites form a cycle: ${cycle.join(' -> ')}`,
    });
  }
}

function sameTargeting(a: FlagTargeting, b: FlagTargeting): boolean {
  return isDeepStrictEqual({ ...a, version: 0 }, { ...b, version: 0 });
}

/** Flags (among `flags`) that have `key` as a prerequisite in some environment. */
export function dependentsOf(key: string, flags: readonly FlagRecord[]): FlagRecord[] {
  return flags.filter(
    (f) =>
      f.key !== key &&
      Object.values(f.environments).some((t) => t.prerequisites.some((p) => p.key === key)),
  );
}

/** Refuses to archive or delete a flag that `flags` still use as a prerequisite. */
export function assertNotPrerequisite(
  key: string,
  flags: readonly FlagRecord[],
  verb: 'archive' | 'delete',
): void {
  const dependents = dependentsOf(key, flags);
  if (dependents.length === 0) return;
  throw new ApiError(
    'CONFLICT',
    `cannot ${verb} flag "${key}": it is a prerequisite of ${dependents.map((f) => `"${f.key}"`).join(', ')}; remove it from their prerequisites first`,
  );
}

/**
 * Refuses to stop serving a flag in one environment (its targeting removed there) while another
 * flag served there still uses it as a prerequisite: SDKs would evaluate that prerequisite as
 * missing.
 */
export function assertNotPrerequisiteIn(
  key: string,
  flags: readonly FlagRecord[],
  envKey: string,
): void {
  const dependents = flags.filter(
    (f) =>
      f.key !== key &&
      !f.archived &&
      f.environments[envKey]?.prerequisites.some((p) => p.key === key) === true,
  );
  if (dependents.length === 0) return;
  throw new ApiError(
    'CONFLICT',
    `cannot remove environment "${envKey}" from flag "${key}": it is a prerequisite of ${dependents.map((f) => `"${f.key}"`).join(', ')} there; remove it from their prerequisites first`,
  );
}

function prerequisiteCycle(
  record: FlagRecord,
  envKey: string,
  others: ReadonlyMap<string, FlagRecord>,
): string[] | undefined {
  const prerequisitesOf = (key: string) =>
    (key === record.key ? record : others.get(key))?.environments[envKey]?.prerequisites.map(
      (p) => p.key,
    ) ?? [];
  const path: string[] = [record.key];
  // Flags already explored without reaching `record`: each is visited once, however many
  // flags share it as a prerequisite.
  const cleared = new Set<string>();
  const visit = (key: string): string[] | undefined => {
    for (const next of prerequisitesOf(key)) {
      if (next === record.key) return [...path, next];
      if (path.includes(next) || cleared.has(next)) continue;
      path.push(next);
      const found = visit(next);
      path.pop();
      if (found !== undefined) return found;
      cleared.add(next);
    }
    return undefined;
  };
  // A self-prerequisite is reported by checkFlag; only longer cycles are reported here.
  const found = visit(record.key);
  return found !== undefined && found.length > 2 ? found : undefined;
}
