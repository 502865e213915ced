import { asArray, isObject, readYaml, repoPath, type JsonObject } from './repo.js';
import { analyze } from './promql.js';
import { resolveMetric } from './metrics.js';

export const rulesFile = repoPath('deploy', 'prometheus', 'vexil-rules.yaml');

export interface Rule {
  readonly group: string;
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export function loadRules(): { groups: JsonObject[]; rules: Rule[] } {
  const doc = readYaml(rulesFile);
  if (!isObject(doc)) throw new Error('vexil-rules.yaml is not a mapping');
  const groups = asArray(doc['groups']).filter(isObject);
  const rules: Rule[] = [];
  for (const g of groups) {
    for (const r of asArray(g['rules']).filter(isObject)) {
      const strings = (v: unknown) =>
        Object.fromEntries(Object.entries(isObject(v) ? v : {}).map(([k, x]) => [k, String(x)]));
      rules.push({
        group: String(g['name']),
        ...(typeof r['record'] === 'string' ? { record: r['record'] } : {}),
        ...(typeof r['alert'] === 'string' ? { alert: r['alert'] } : {}),
        ...(typeof r['for'] === 'string' ? { for: r['for'] } : {}),
        expr: String(r['expr']),
        labels: strings(r['labels']),
        annotations: strings(r['annotations']),
      });
    }
  }
  return { groups, rules };
}

/**
 * Problems with an expression's selectors: unknown series (neither an exported metric nor one
 * of `recorded`), labels the series does not carry, values outside a label's closed set.
 */
export function selectorProblems(expr: string, recorded: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  let selectors;
  try {
    selectors = analyze(expr).selectors;
  } catch (e) {
    return [`does not parse: ${(e as Error).message}`];
  }
  for (const s of selectors) {
    if (recorded.has(s.metric)) continue;
    const metric = resolveMetric(s.metric);
    if (metric === undefined) {
      problems.push(`unknown series ${s.metric}`);
      continue;
    }
    for (const m of s.matchers) {
      if (!metric.labels.has(m.label)) problems.push(`${s.metric} has no label ${m.label}`);
      const allowed = metric.spec.values?.[m.label];
      if (allowed !== undefined && (m.op === '=' || m.op === '!=') && !allowed.includes(m.value)) {
        problems.push(
          `${s.metric}{${m.label}} is never "${m.value}" (one of ${allowed.join(', ')})`,
        );
      }
    }
  }
  return problems;
}

/** GitHub's anchor for a Markdown heading. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function headingAnchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}
