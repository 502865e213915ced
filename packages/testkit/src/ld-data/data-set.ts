import type { Flag, JsonObject, Segment } from '@vexil/protocol';
import { generateContexts } from './contexts.js';
import { generateFlags } from './flags.js';
import { createRandom, type Random } from './random.js';
import { generateSegments } from './segments.js';

// Seeded LaunchDarkly test data: flags and segments (LaunchDarkly JSON, fed as-is to evaluators)
// and context JSON. Generated from a seed, so every run sees the same data.

export interface DataSetSizes {
  readonly flags: number;
  readonly segments: number;
  readonly contexts: number;
  readonly orgs: number;
}

export const DEFAULT_SIZES: DataSetSizes = { flags: 200, segments: 20, contexts: 2000, orgs: 100 };

export interface DataSet {
  readonly flags: readonly Flag[];
  readonly segments: readonly Segment[];
  readonly contexts: readonly JsonObject[];
}

/** One evaluation: a flag key and the context JSON the caller sends. */
export interface EvalPair {
  readonly flagKey: string;
  readonly context: JsonObject;
}

export function generateDataSet(seed: number, sizes: DataSetSizes = DEFAULT_SIZES): DataSet {
  const random = createRandom(seed);
  const contextSet = generateContexts(random, sizes.contexts, sizes.orgs);
  const segments = generateSegments(random, sizes.segments, contextSet);
  const flags = generateFlags(
    random,
    sizes.flags,
    contextSet,
    segments.map((s) => s.key),
  );
  return { flags, segments, contexts: contextSet.contexts };
}

/** Every (flag, context) pair, context-major. */
export function allPairs(data: DataSet): EvalPair[] {
  return data.contexts.flatMap((context) => data.flags.map((f) => ({ flagKey: f.key, context })));
}

/** `count` pairs drawn uniformly (with replacement): the order a busy edge sees requests in. */
export function samplePairs(data: DataSet, count: number, random: Random): EvalPair[] {
  return Array.from({ length: count }, () => ({
    flagKey: random.pick(data.flags).key,
    context: random.pick(data.contexts),
  }));
}
