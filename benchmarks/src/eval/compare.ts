import { isDeepStrictEqual } from 'node:util';
import type { LDEvaluationDetail } from '@launchdarkly/node-server-sdk';
import type { JsonObject } from '@vexil/protocol';
import type { EvalResult } from '@vexil/evaluation';
import { normalizeReason, type EvalPair } from '@vexil/testkit';
import type { LaunchDarklySide } from './launchdarkly-side.js';
import type { VexilSide } from './vexil-side.js';

// The correctness pass: a throughput figure is only worth reporting if both evaluators return
// the same result for the same input. Compared: value, variation index and reason.
//
// Normalisation, for representation differences only: LaunchDarkly reports "no variation" as
// `variationIndex: null`, Vexil by omitting it; LaunchDarkly writes `ruleId: undefined` and
// never `inExperiment: false`, Vexil omits both. Reason fields that are undefined or false are
// dropped on both sides. The SDK substitutes the caller's default when there is no variation;
// the default passed is null, which is Vexil's value in that case.

export interface Outcome {
  readonly value: unknown;
  readonly variationIndex: number | undefined;
  readonly reason: Readonly<Record<string, unknown>>;
}

export interface Mismatch {
  readonly flagKey: string;
  readonly context: JsonObject;
  readonly vexil: Outcome;
  readonly launchDarkly: Outcome;
}

export interface Comparison {
  readonly compared: number;
  readonly mismatchCount: number;
  /** The first mismatches, up to the limit asked for. */
  readonly mismatches: readonly Mismatch[];
  /** How often each reason kind came up (`+exp` marks inExperiment): what the data exercised. */
  readonly reasonCounts: Readonly<Record<string, number>>;
}

export async function compareEvaluators(
  pairs: readonly EvalPair[],
  vexil: VexilSide,
  launchDarkly: LaunchDarklySide,
  keep = 10,
): Promise<Comparison> {
  const mismatches: Mismatch[] = [];
  const reasonCounts: Record<string, number> = {};
  let mismatchCount = 0;
  for (const { flagKey, context } of pairs) {
    const v = vexilOutcome(vexil.evaluate(flagKey, context));
    const ld = launchDarklyOutcome(await launchDarkly.variationDetail(flagKey, context));
    const kind = `${String(v.reason.kind)}${v.reason.inExperiment === true ? '+exp' : ''}`;
    reasonCounts[kind] = (reasonCounts[kind] ?? 0) + 1;
    if (isDeepStrictEqual(v, ld)) continue;
    mismatchCount++;
    if (mismatches.length < keep) mismatches.push({ flagKey, context, vexil: v, launchDarkly: ld });
  }
  return { compared: pairs.length, mismatchCount, mismatches, reasonCounts };
}

export function vexilOutcome(result: EvalResult): Outcome {
  return {
    value: result.value,
    variationIndex: result.variationIndex,
    reason: normalizeReason(result.reason),
  };
}

export function launchDarklyOutcome(detail: LDEvaluationDetail): Outcome {
  return {
    value: detail.value as unknown,
    variationIndex: detail.variationIndex ?? undefined,
    reason: normalizeReason(detail.reason),
  };
}

export function formatMismatch(m: Mismatch): string {
  return [
    `flag ${m.flagKey}, context ${JSON.stringify(m.context)}`,
    `  vexil:        ${JSON.stringify(m.vexil)}`,
    `  launchdarkly: ${JSON.stringify(m.launchDarkly)}`,
  ].join('\n');
}
