import type { JsonValue } from '../api/types.js';

// The stale-flags report as GET /projects/{key}/stale-flags returns it (the origin defines the
// window and writes the evidence), and the few words the page derives from it.

export interface StaleFlagEnvironment {
  key: string;
  lastEvaluatedAt: number | null;
  evaluations: number;
  counts: Record<string, number>;
}

export interface StaleFlag {
  key: string;
  name: string;
  temporary: boolean;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  lastChange: { at: number; actor: string; action: string; comment?: string } | null;
  reason: 'not-evaluated' | 'single-variation';
  readyToRemove: boolean;
  lastEvaluatedAt: number | null;
  evaluations: number;
  variation?: { index: number; value: JsonValue; name?: string };
  otherOutcomeLastAt?: number | null;
  environments: StaleFlagEnvironment[];
  evidence: string[];
}

export interface StaleFlagReport {
  projectKey: string;
  environment: string | null;
  days: number;
  retentionDays: number;
  now: number;
  windowStart: number;
  insightsSince: number;
  environments: {
    key: string;
    name: string;
    evaluations: number;
    lastEvaluatedAt: number | null;
  }[];
  totals: { flags: number; tooNew: number; notEvaluated: number; singleVariation: number };
  warnings: string[];
  flags: StaleFlag[];
}

/** "Not evaluated", or "Serves only true" (the variation's name when it has one). */
export function staleReasonText(flag: StaleFlag): string {
  if (flag.reason === 'not-evaluated') return 'Not evaluated';
  const v = flag.variation;
  if (v === undefined) return 'Serves one variation';
  const value = JSON.stringify(v.value) ?? 'null';
  const shown = value.length > 30 ? `${value.slice(0, 29)}…` : value;
  return `Serves only ${v.name !== undefined && v.name !== '' ? v.name : shown}`;
}

/** The sentence above the table: how many of each, over which window and environments. */
export function staleSummary(report: StaleFlagReport, envName: (key: string) => string): string {
  const where =
    report.environment === null ? 'in any environment' : `in ${envName(report.environment)}`;
  const { notEvaluated, singleVariation, flags, tooNew } = report.totals;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return `${plural(notEvaluated, 'flag', 'flags')} not evaluated ${where} and ${plural(singleVariation, 'flag', 'flags')} serving one variation to every context, over the last ${plural(report.days, 'day', 'days')}; ${plural(flags, 'flag', 'flags')} in the project, ${tooNew} too new to judge.`;
}
