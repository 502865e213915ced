import { checkFlag } from '@vexil/evaluation';
import { parseFlag } from '@vexil/protocol';
import type { FlagRecord } from '@vexil/store';
import { validationFailed, type ErrorDetail } from '../http/api-error.js';
import { sdkFlag } from './flag-model.js';

/**
 * Strict checks for a flag written through the editing routes: every environment's SDK item
 * must pass `checkFlag` (no index out of range, weights adding up to 100%, valid references and
 * patterns), and prerequisites must name existing flags of the project, with a variation they
 * have, and form no cycle. `projectFlags` are the other flags of the project as stored.
 */
export function assertValidFlag(record: FlagRecord, projectFlags: readonly FlagRecord[]): void {
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
  for (const [envKey, targeting] of Object.entries(record.environments)) {
    const at = `environments.${envKey}`;
    const parsed = parseFlag(sdkFlag(record, targeting, 1));
    if (!parsed.ok) {
      add({ path: `${at}.${parsed.error.path}`, message: parsed.error.message });
      continue;
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
  if (details.length > 0) throw validationFailed(details);
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
  const visit = (key: string): string[] | undefined => {
    for (const next of prerequisitesOf(key)) {
      if (next === record.key) return [...path, next];
      if (path.includes(next)) continue;
      path.push(next);
      const found = visit(next);
      path.pop();
      if (found !== undefined) return found;
    }
    return undefined;
  };
  // A self-prerequisite is reported by checkFlag; only longer cycles are reported here.
  const found = visit(record.key);
  return found !== undefined && found.length > 2 ? found : undefined;
}
