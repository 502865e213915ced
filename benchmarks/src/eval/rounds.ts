import { evaluate, type EvalResult } from '@vexil/evaluation';
import { parseContext, type JsonObject } from '@vexil/protocol';
import type { EvalPair } from '@vexil/testkit';
import type { LaunchDarklySide } from './launchdarkly-side.js';
import type { VexilSide } from './vexil-side.js';

// One timed round per way of evaluating. Each returns a checksum of the variation indexes it
// got, so no result is dead code to the optimiser and so the two evaluators can be seen to have
// done the same work in the timed rounds too.

export interface RoundOutcome {
  readonly evaluations: number;
  readonly checksum: number;
}

function indexSum(result: { variationIndex?: number | null | undefined }): number {
  return (result.variationIndex ?? -1) + 1;
}

/** Vexil, per evaluation: parse the context JSON, then evaluate. */
export function vexilRound(pairs: readonly EvalPair[], vexil: VexilSide): RoundOutcome {
  let checksum = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    checksum += indexSum(vexil.evaluate(pair.flagKey, pair.context));
  }
  return { evaluations: pairs.length, checksum };
}

/** LaunchDarkly, per evaluation: its public API, `await client.variationDetail(...)`. */
export async function launchDarklyRound(
  pairs: readonly EvalPair[],
  launchDarkly: LaunchDarklySide,
): Promise<RoundOutcome> {
  let checksum = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    checksum += indexSum(await launchDarkly.variationDetail(pair.flagKey, pair.context));
  }
  return { evaluations: pairs.length, checksum };
}

/**
 * Vexil, per context: parse each context once and evaluate every flag for it, as the edge does
 * to answer a client-side SDK.
 */
export function vexilPerContextRound(
  contexts: readonly JsonObject[],
  vexil: VexilSide,
): RoundOutcome {
  let checksum = 0;
  let evaluations = 0;
  const flags = vexil.flags;
  for (const json of contexts) {
    const context = parseContext(json);
    if (!context.ok) continue;
    for (let i = 0; i < flags.length; i++) {
      const result: EvalResult = evaluate(flags[i]!, context.value, vexil.lookup);
      checksum += indexSum(result);
    }
    evaluations += flags.length;
  }
  return { evaluations, checksum };
}
