import { RE2JS } from 're2js';

// `matches` runs on RE2 semantics (re2js, a JavaScript port of RE2): matching time is linear
// in the input, so no pattern in a flag can stall the process, however catastrophic it would be
// for a backtracking engine. RE2 is also the dialect of LaunchDarkly's reference evaluator (Go).
// See docs/evaluation.md, "Regular expressions".

const MAX_CACHED = 1000;
const cache = new Map<string, RE2JS | null>();

/** The compiled pattern, or null if RE2 rejects it (an invalid pattern never matches). */
export function compileRegex(pattern: string): RE2JS | null {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch {
    re = null;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, re);
  return re;
}

/** An error message if `pattern` is not a valid RE2 pattern, for strict flag validation. */
export function regexError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
