import type { JsonValue } from '../api/types.js';
import { escapePointer, isObject, jsonEqual } from './json-patch.js';

// Reapplying an edit after a conflict (409 VERSION_MISMATCH): someone else saved the same
// flag or segment while it was being edited. The edit (base -> mine) is replayed onto the
// latest version (base -> theirs): every part only one side changed takes that side's value.
// Objects merge field by field; arrays (rules, targets, clause values) are one value each,
// because merging lists element by element can silently produce a rule nobody wrote.
// Where both sides changed the same part differently, "mine" wins and the part is reported
// as a conflict, so the person sees, in the diff preview, what they would overwrite.

export interface MergeResult {
  readonly merged: JsonValue | undefined;
  /** JSON Pointers of the parts both sides changed differently. */
  readonly conflicts: readonly string[];
}

export function mergeThreeWay(
  base: JsonValue | undefined,
  mine: JsonValue | undefined,
  theirs: JsonValue | undefined,
): MergeResult {
  const conflicts: string[] = [];
  const merged = mergeAt(base, mine, theirs, '', conflicts);
  return { merged, conflicts };
}

function mergeAt(
  base: JsonValue | undefined,
  mine: JsonValue | undefined,
  theirs: JsonValue | undefined,
  path: string,
  conflicts: string[],
): JsonValue | undefined {
  if (jsonEqual(mine, base)) return theirs;
  if (jsonEqual(theirs, base) || jsonEqual(mine, theirs)) return mine;
  if (isObject(base) && isObject(mine) && isObject(theirs)) {
    const merged: { [k: string]: JsonValue } = {};
    const keys = new Set([...Object.keys(theirs), ...Object.keys(mine), ...Object.keys(base)]);
    for (const key of keys) {
      const value = mergeAt(
        base[key],
        mine[key],
        theirs[key],
        `${path}/${escapePointer(key)}`,
        conflicts,
      );
      if (value !== undefined) merged[key] = value;
    }
    return merged;
  }
  conflicts.push(path);
  return mine;
}
