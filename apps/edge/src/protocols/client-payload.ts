import { evaluate, isExperiment, type EvalResult, type Reason } from '@vexil/evaluation';
import { clientSideAvailability, type Context, type Flag } from '@vexil/protocol';
import type { CountEvaluation } from '../metrics/evaluation-counts.js';
import type { EnvironmentState, StoredItem } from '../state/environment-state.js';

// The evaluated-flag payload of LaunchDarkly's client-side endpoints (docs/protocol.md section
// 4.4): per flag `value`, `variation`, `version`,
// `flagVersion`, `trackEvents`, `trackReason`, `reason`, `debugEventsUntilDate`, `prerequisites`.
//
// Each result is serialized as a "core" - every field but `version`, without braces. Cores are
// memoized per environment version by what decides them (flag, variation, reason, evaluated
// prerequisites, reasons requested), so the thousands of clients that share a result share one
// string; comparing a client's last core with a new one is how streams find what changed.
//
// `version` is the environment's seq, not the flag's version: a segment or prerequisite change
// alters a flag's result without touching the flag, and clients drop a patch whose version is
// not above the one they hold (js-client FlagUpdater.ts). The seq increases with every change of
// the environment, so every result a client is sent carries a higher version than the last.

/** Who asks: which flags it may see (docs/protocol.md section 4.4). */
export type Audience = 'environment-id' | 'mobile' | 'server';

export function availableTo(flag: Flag, audience: Audience): boolean {
  if (audience === 'server') return true;
  const availability = clientSideAvailability(flag);
  return audience === 'mobile' ? availability.usingMobileKey : availability.usingEnvironmentId;
}

/** A flag this audience may see, parsed and not deleted; undefined otherwise. */
export function visibleFlag(item: StoredItem | undefined, audience: Audience): Flag | undefined {
  if (item === undefined || item.deleted || item.flag === undefined) return undefined;
  return availableTo(item.flag, audience) ? item.flag : undefined;
}

/** A string that tells reasons apart, built without JSON (it runs per evaluation). */
function reasonKey(reason: Reason): string {
  const big = reason.bigSegmentsStatus ?? '';
  switch (reason.kind) {
    case 'RULE_MATCH':
      return `R${reason.ruleIndex}:${reason.ruleId ?? ''}:${reason.inExperiment ? 1 : 0}:${big}`;
    case 'FALLTHROUGH':
      return `F${reason.inExperiment ? 1 : 0}:${big}`;
    case 'PREREQUISITE_FAILED':
      return `P${reason.prerequisiteKey}:${big}`;
    case 'ERROR':
      return `E${reason.errorKind}`;
    default:
      return `${reason.kind}:${big}`;
  }
}

function buildCore(flag: Flag, result: EvalResult, withReasons: boolean): string {
  const experiment = isExperiment(flag, result.reason);
  let core = `"value":${JSON.stringify(result.value)}`;
  if (result.variationIndex !== undefined) core += `,"variation":${result.variationIndex}`;
  core += `,"flagVersion":${flag.version}`;
  if (flag.trackEvents === true || experiment) core += ',"trackEvents":true';
  if (experiment) core += ',"trackReason":true';
  if (withReasons || experiment) core += `,"reason":${JSON.stringify(result.reason)}`;
  if (flag.debugEventsUntilDate !== undefined && flag.debugEventsUntilDate !== 0)
    core += `,"debugEventsUntilDate":${flag.debugEventsUntilDate}`;
  if (result.prerequisites !== undefined && result.prerequisites.length > 0)
    core += `,"prerequisites":${JSON.stringify(result.prerequisites)}`;
  return core;
}

/** The core of one flag's result for one context (memoized per environment version). */
export function evaluatedCore(
  state: EnvironmentState,
  flag: Flag,
  context: Context,
  withReasons: boolean,
  count?: CountEvaluation,
): string {
  const result = evaluate(flag, context, state.lookup);
  count?.(flag.key, result.variationIndex);
  const cores = state.derived('client-cores', () => new Map<string, string>());
  // Everything a core depends on besides the flag version (`derived` is per state version):
  // the evaluated prerequisites are always a prefix of the flag's list, so their count will do.
  const id =
    `${flag.key}\u0000${result.variationIndex ?? ''}\u0000${reasonKey(result.reason)}` +
    `\u0000${result.prerequisites?.length ?? 0}\u0000${withReasons ? 1 : 0}`;
  let core = cores.get(id);
  if (core === undefined) cores.set(id, (core = buildCore(flag, result, withReasons)));
  return core;
}

/** Every flag the audience may see, evaluated for the context: flag key -> core. */
export function evaluateAll(
  state: EnvironmentState,
  context: Context,
  audience: Audience,
  withReasons: boolean,
  count?: CountEvaluation,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, item] of state.flags) {
    const flag = visibleFlag(item, audience);
    if (flag !== undefined) out.set(key, evaluatedCore(state, flag, context, withReasons, count));
  }
  return out;
}

/** The evaluated-flag map `{"key": {"version": seq, ...core}}` of polls and the `put` event. */
export function evaluatedMapText(cores: ReadonlyMap<string, string>, version: number): string {
  const parts: string[] = [];
  for (const [key, core] of cores)
    parts.push(`${JSON.stringify(key)}:{"version":${version},${core}}`);
  return `{${parts.join(',')}}`;
}

/** The data of a `patch` event (docs/protocol.md section 4.4): one result with its key. */
export function patchText(key: string, core: string, version: number): string {
  return `{"key":${JSON.stringify(key)},"version":${version},${core}}`;
}

/** The data of a `delete` event (docs/protocol.md section 4.4). */
export function deleteText(key: string, version: number): string {
  return `{"key":${JSON.stringify(key)},"version":${version}}`;
}
