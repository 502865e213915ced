import { parseContext, parseFlag, parseSegment, type Flag, type Segment } from '@vexil/protocol';
import { errorResult, evaluate, type EvalResult, type Lookup } from '@vexil/evaluation';
import type { DataSet } from '@vexil/testkit';

// Vexil's evaluator as the edge runs it: flags and segments parsed once from their JSON and kept
// (the evaluator compiles each flag object on first use and caches it per object), contexts
// parsed from JSON on every request.

export interface VexilSide {
  readonly lookup: Lookup;
  readonly flags: readonly Flag[];
  /** One evaluation from the context JSON, with the SDK-level checks LD's variationDetail makes. */
  evaluate(flagKey: string, contextJson: unknown): EvalResult;
}

const USER_NOT_SPECIFIED = errorResult('USER_NOT_SPECIFIED');
const FLAG_NOT_FOUND = errorResult('FLAG_NOT_FOUND');

export function createVexilSide(data: DataSet): VexilSide {
  const flags = new Map<string, Flag>();
  const segments = new Map<string, Segment>();
  for (const json of data.flags) {
    const parsed = parseFlag(roundTrip(json));
    if (!parsed.ok) throw new Error(`flag ${json.key} does not parse: ${parsed.error.message}`);
    flags.set(parsed.value.key, parsed.value);
  }
  for (const json of data.segments) {
    const parsed = parseSegment(roundTrip(json));
    if (!parsed.ok) throw new Error(`segment ${json.key} does not parse: ${parsed.error.message}`);
    segments.set(parsed.value.key, parsed.value);
  }
  const lookup: Lookup = {
    getFlag: (key) => flags.get(key),
    getSegment: (key) => segments.get(key),
  };
  return {
    lookup,
    flags: [...flags.values()],
    evaluate(flagKey, contextJson) {
      const context = parseContext(contextJson);
      if (!context.ok) return USER_NOT_SPECIFIED;
      const flag = flags.get(flagKey);
      return flag === undefined ? FLAG_NOT_FOUND : evaluate(flag, context.value, lookup);
    },
  };
}

/** Parse from the wire form, as the edge does, not from the generator's objects. */
function roundTrip(value: object): unknown {
  return JSON.parse(JSON.stringify(value));
}
