import type { JsonValue } from '@vexil/protocol';
import type { AuditEntry, EnvironmentRecord, FlagRecord, InsightSummary } from '@vexil/store';

// The stale-flags report: which flags look done, from the evaluation counts the edges collect
// (flag insights) and the flags' own history. Pure: the route reads the store (two aggregate
// queries plus the flag and environment lists) and hands everything here.
//
// How "the last N days" meets the buckets. Insights are counted per minute; minute buckets older
// than two days are summed into the hour they start in, and every bucket is deleted once it is
// older than the retention (VEXIL_INSIGHTS_RETENTION_DAYS, default 90). So:
// - `insightsSince` = now - retention: buckets that start earlier are ignored (whether or not the
//   retention job has deleted them yet), so an answer does not depend on when it last ran; a flag
//   is never reported as unevaluated for longer than the retention.
// - `windowStart` = now - N days, rounded down to the hour, but not before `insightsSince`. A
//   bucket belongs to the window when it starts at or after windowStart. Starting on an hour
//   boundary keeps a minute bucket and the hour bucket it is later summed into on the same side,
//   so the answer is the same before and after compaction; the window is N days plus less than
//   an hour (the claim "not evaluated in N days" errs on the safe side). At N = the retention the
//   window is exactly the retention and the hour bucket straddling its start is left out.
// - A flag is judged only when it existed for the whole window (createdAt <= windowStart).
// - "Last evaluated" is the start of the newest bucket: to the minute for the last two days, to
//   the hour before that.

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface StaleWindow {
  readonly now: number;
  readonly days: number;
  readonly retentionDays: number;
  /** Unix ms: buckets that start before it are not read (now - retention). */
  readonly insightsSince: number;
  /** Unix ms: buckets that start at or after it are the window's. */
  readonly windowStart: number;
}

export function staleWindow(now: number, days: number, retentionDays: number): StaleWindow {
  const insightsSince = now - retentionDays * DAY_MS;
  const start = Math.floor((now - days * DAY_MS) / HOUR_MS) * HOUR_MS;
  return { now, days, retentionDays, insightsSince, windowStart: Math.max(start, insightsSince) };
}

export type StaleReason = 'not-evaluated' | 'single-variation';

export interface StaleFlagEnvironment {
  readonly key: string;
  /** Start of the newest bucket kept, null if none. */
  readonly lastEvaluatedAt: number | null;
  /** Evaluations in the window. */
  readonly evaluations: number;
  /** Evaluations in the window by variation index, or "default" (the SDK served its default). */
  readonly counts: Record<string, number>;
}

export interface StaleFlag {
  readonly key: string;
  readonly name: string;
  readonly temporary: boolean;
  readonly archived: boolean;
  readonly createdAt: number;
  /** When the flag's record was last written (any change, an environment added too). */
  readonly updatedAt: number;
  /** The flag's newest audit entry: who last changed it, how and when; null if none. */
  readonly lastChange: {
    readonly at: number;
    readonly actor: string;
    readonly action: string;
    readonly comment?: string;
  } | null;
  readonly reason: StaleReason;
  /** Temporary or archived: nothing says it is meant to stay. A permanent flag needs a look first. */
  readonly readyToRemove: boolean;
  /** Start of the newest bucket kept in the environments looked at, null if none. */
  readonly lastEvaluatedAt: number | null;
  /** Evaluations in the window, in the environments looked at. */
  readonly evaluations: number;
  /** single-variation: the variation every evaluation in the window was served. */
  readonly variation?: {
    readonly index: number;
    readonly value: JsonValue;
    readonly name?: string;
  };
  /**
   * single-variation: start of the newest bucket kept in which anything else was served (another
   * variation or the SDK default); null if nothing else in the insights kept.
   */
  readonly otherOutcomeLastAt?: number | null;
  readonly environments: readonly StaleFlagEnvironment[];
  /** The same facts in sentences, for people. */
  readonly evidence: readonly string[];
}

export interface StaleReport {
  readonly projectKey: string;
  /** The environment looked at; null: all of the project's (a flag counts as evaluated in any). */
  readonly environment: string | null;
  readonly days: number;
  readonly retentionDays: number;
  readonly now: number;
  readonly windowStart: number;
  readonly insightsSince: number;
  /** Every environment looked at: evaluations of any flag in the window, newest bucket kept. */
  readonly environments: readonly {
    readonly key: string;
    readonly name: string;
    readonly evaluations: number;
    readonly lastEvaluatedAt: number | null;
  }[];
  readonly totals: {
    /** Flags in the project, archived included. */
    readonly flags: number;
    /** Flags created after windowStart: too new to judge. */
    readonly tooNew: number;
    readonly notEvaluated: number;
    readonly singleVariation: number;
  };
  /** What can make the report wrong, such as an environment whose SDKs send no events. */
  readonly warnings: readonly string[];
  /** Most removable first. */
  readonly flags: readonly StaleFlag[];
}

export interface StaleReportInput {
  readonly window: StaleWindow;
  readonly projectKey: string;
  /** The environments looked at: the one named, or all of the project's. */
  readonly environments: readonly EnvironmentRecord[];
  /** Whether one environment was named. */
  readonly scoped: boolean;
  readonly flags: readonly FlagRecord[];
  /** summarizeInsights of those environments from insightsSince, recent from windowStart. */
  readonly summaries: readonly InsightSummary[];
  /** listLatestAudit of the project's flags. */
  readonly latestAudit: readonly AuditEntry[];
}

const label = (variation: number | null) => (variation === null ? 'default' : String(variation));

interface Seen {
  lastEvaluatedAt: number | null;
  evaluations: number;
  counts: Record<string, number>;
}

export function staleReport(input: StaleReportInput): StaleReport {
  const { window, environments, scoped } = input;
  const envById = new Map(environments.map((e) => [e.id, e]));
  const byFlag = new Map<string, InsightSummary[]>();
  const envSeen = new Map<string, Seen>(
    environments.map((e) => [e.id, { lastEvaluatedAt: null, evaluations: 0, counts: {} }]),
  );
  for (const s of input.summaries) {
    if (!envById.has(s.environmentId)) continue;
    const rows = byFlag.get(s.flagKey) ?? [];
    rows.push(s);
    byFlag.set(s.flagKey, rows);
    const env = envSeen.get(s.environmentId)!;
    env.evaluations += s.recentCount;
    env.lastEvaluatedAt = Math.max(env.lastEvaluatedAt ?? 0, s.lastBucketStart);
  }
  const audit = new Map(input.latestAudit.map((e) => [e.resourceKey, e]));
  const scope = scoped ? `in ${environments[0]!.key}` : 'in any environment';
  const ago = (at: number) => agoText(window.now, at);

  let tooNew = 0;
  const flags: StaleFlag[] = [];
  for (const flag of input.flags) {
    if (flag.createdAt > window.windowStart) {
      tooNew++;
      continue;
    }
    const perEnv = new Map<string, Seen>(
      environments.map((e) => [e.id, { lastEvaluatedAt: null, evaluations: 0, counts: {} }]),
    );
    const counts: Record<string, number> = {};
    const lastByOutcome = new Map<string, number>();
    for (const s of byFlag.get(flag.key) ?? []) {
      const env = perEnv.get(s.environmentId)!;
      const outcome = label(s.variation);
      env.lastEvaluatedAt = Math.max(env.lastEvaluatedAt ?? 0, s.lastBucketStart);
      lastByOutcome.set(outcome, Math.max(lastByOutcome.get(outcome) ?? 0, s.lastBucketStart));
      if (s.recentCount > 0) {
        env.evaluations += s.recentCount;
        env.counts[outcome] = (env.counts[outcome] ?? 0) + s.recentCount;
        counts[outcome] = (counts[outcome] ?? 0) + s.recentCount;
      }
    }
    const evaluations = Object.values(counts).reduce((a, b) => a + b, 0);
    const outcomes = Object.keys(counts);
    const lasts = [...lastByOutcome.values()];
    const lastEvaluatedAt = lasts.length === 0 ? null : Math.max(...lasts);
    let reason: StaleReason;
    if (evaluations === 0) reason = 'not-evaluated';
    else if (outcomes.length === 1 && outcomes[0] !== 'default') reason = 'single-variation';
    else continue;

    const envRows: StaleFlagEnvironment[] = environments.map((e) => ({
      key: e.key,
      ...perEnv.get(e.id)!,
    }));
    const entry = audit.get(flag.key);
    const lastChange =
      entry === undefined
        ? null
        : {
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            ...(entry.comment === undefined ? {} : { comment: entry.comment }),
          };
    const evidence: string[] = [];
    let variation: StaleFlag['variation'];
    let otherOutcomeLastAt: number | null | undefined;
    if (reason === 'not-evaluated') {
      if (lastEvaluatedAt === null) {
        evidence.push(
          flag.createdAt >= window.insightsSince
            ? `never evaluated ${scope} since it was created ${ago(flag.createdAt)}`
            : `not evaluated ${scope} in the ${window.retentionDays} days of insights kept (created ${ago(flag.createdAt)}: evaluations before that are no longer known)`,
        );
      } else {
        const where = scoped
          ? ''
          : ` (in ${envRows
              .filter((e) => e.lastEvaluatedAt === lastEvaluatedAt)
              .map((e) => e.key)
              .join(', ')})`;
        evidence.push(
          `not evaluated ${scope} in the last ${window.days} days; last evaluated ${ago(lastEvaluatedAt)}${where}`,
        );
      }
    } else {
      const index = Number(outcomes[0]);
      const defined = flag.variations[index];
      variation = {
        index,
        value: defined?.value ?? null,
        ...(defined?.name === undefined ? {} : { name: defined.name }),
      };
      const others = [...lastByOutcome].filter(([o]) => o !== outcomes[0]).map(([, at]) => at);
      otherOutcomeLastAt = others.length === 0 ? null : Math.max(...others);
      const split = scoped
        ? ''
        : ` (${envRows
            .filter((e) => e.evaluations > 0)
            .map((e) => `${e.key} ${formatCount(e.evaluations)}`)
            .join(', ')})`;
      const what =
        defined === undefined
          ? `variation ${index} (no longer defined)`
          : `variation ${index} (${describeValue(defined.value, defined.name)})`;
      evidence.push(
        `${evaluations === 1 ? 'the only evaluation' : `all ${formatCount(evaluations)} evaluations`}${scoped ? ` ${scope}` : ''} in the last ${window.days} days${split} served ${what}`,
      );
      evidence.push(
        otherOutcomeLastAt === null
          ? `nothing else was served in the ${window.retentionDays} days of insights kept`
          : `anything else was last served ${ago(otherOutcomeLastAt)}`,
      );
    }
    evidence.push(
      lastChange === null
        ? `last changed ${ago(flag.updatedAt)}`
        : `last changed ${ago(lastChange.at)} by ${lastChange.actor} (${lastChange.action})${lastChange.comment === undefined ? '' : `: "${lastChange.comment}"`}`,
    );
    if (flag.archived) evidence.push('archived: SDKs no longer get it');
    evidence.push(
      flag.temporary
        ? 'temporary flag'
        : 'permanent flag: meant to stay, so check before removing it',
    );
    flags.push({
      key: flag.key,
      name: flag.name,
      temporary: flag.temporary,
      archived: flag.archived,
      createdAt: flag.createdAt,
      updatedAt: flag.updatedAt,
      lastChange,
      reason,
      readyToRemove: flag.temporary || flag.archived,
      lastEvaluatedAt,
      evaluations,
      ...(variation === undefined ? {} : { variation }),
      ...(otherOutcomeLastAt === undefined ? {} : { otherOutcomeLastAt }),
      environments: envRows,
      evidence,
    });
  }
  flags.sort(removableFirst);

  const envSummaries = environments.map((e) => ({
    key: e.key,
    name: e.name,
    evaluations: envSeen.get(e.id)!.evaluations,
    lastEvaluatedAt: envSeen.get(e.id)!.lastEvaluatedAt,
  }));
  const warnings = envSummaries
    .filter((e) => e.evaluations === 0)
    .map(
      (e) =>
        `no evaluation of any flag was recorded in ${e.key} in the last ${window.days} days: if its SDKs send no analytics events (sendEvents off, or no edge forwards them), "not evaluated" there means "not reported"`,
    );
  return {
    projectKey: input.projectKey,
    environment: scoped ? environments[0]!.key : null,
    days: window.days,
    retentionDays: window.retentionDays,
    now: window.now,
    windowStart: window.windowStart,
    insightsSince: window.insightsSince,
    environments: envSummaries,
    totals: {
      flags: input.flags.length,
      tooNew,
      notEvaluated: flags.filter((f) => f.reason === 'not-evaluated').length,
      singleVariation: flags.filter((f) => f.reason === 'single-variation').length,
    },
    warnings,
    flags,
  };
}

/**
 * Most removable first: temporary or archived before permanent; unevaluated (delete the flag)
 * before single-variation (the code must be changed first); archived first; then evaluated
 * longest ago (never first), changed longest ago, and by key.
 */
function removableFirst(a: StaleFlag, b: StaleFlag): number {
  const rank = (f: StaleFlag) => [
    f.readyToRemove ? 0 : 1,
    f.reason === 'not-evaluated' ? 0 : 1,
    f.archived ? 0 : 1,
    f.lastEvaluatedAt ?? -1,
    f.lastChange?.at ?? f.updatedAt,
  ];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** "5 minutes ago", "3 hours ago", "41 days ago" (rounded down). */
export function agoText(now: number, at: number): string {
  const ms = Math.max(0, now - at);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (ms < HOUR_MS) return plural(Math.floor(ms / MINUTE_MS), 'minute');
  if (ms < 2 * DAY_MS) return plural(Math.floor(ms / HOUR_MS), 'hour');
  return plural(Math.floor(ms / DAY_MS), 'day');
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function describeValue(value: JsonValue, name: string | undefined): string {
  const text = JSON.stringify(value);
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  return name === undefined || name === '' ? short : `${name}: ${short}`;
}
