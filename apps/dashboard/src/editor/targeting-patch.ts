import type { JsonValue, PatchOp, Targeting } from '../api/types.js';
import { diff, pointer } from './json-patch.js';
import { mergeThreeWay } from './three-way-merge.js';

// Saving an edit: the JSON Patch from the version that was read to the edited one, sent with
// If-Match: "<version>". A flag's targeting lives at /environments/<envKey> of the flag; a
// segment is patched whole. Read-only fields (version, timestamps) are never in a patch.

/** The document as plain JSON without the named fields. */
function without(doc: object, fields: readonly string[]): JsonValue {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, JsonValue>;
  for (const field of fields) delete copy[field];
  return copy;
}

const TARGETING_READ_ONLY = ['version'] as const;

/** The patch between two versions of a document, under `prefix`, leaving out `readOnly`. */
export function documentPatch(
  original: object,
  edited: object,
  readOnly: readonly string[],
  prefix = '',
): PatchOp[] {
  return diff(without(original, readOnly), without(edited, readOnly), prefix);
}

/** The patch that turns `original` targeting into `edited` in environment `envKey`. */
export function targetingPatch(envKey: string, original: Targeting, edited: Targeting): PatchOp[] {
  return documentPatch(original, edited, TARGETING_READ_ONLY, pointer('environments', envKey));
}

export interface Reapplied<T> {
  /** The edit replayed onto the latest version, carrying the latest read-only fields. */
  readonly document: T;
  /** JSON Pointers where the edit overwrites someone else's change to the same part. */
  readonly conflicts: readonly string[];
}

/**
 * After a 409: the edit that went from `original` to `edited`, replayed onto `latest` (the
 * document as it is now). The result is saved next against the latest version.
 */
export function reapplyEdit<T extends object>(
  original: T,
  edited: T,
  latest: T,
  readOnly: readonly string[],
): Reapplied<T> {
  const { merged, conflicts } = mergeThreeWay(
    without(original, readOnly),
    without(edited, readOnly),
    without(latest, readOnly),
  );
  const document = { ...(merged as object) } as Record<string, unknown>;
  for (const field of readOnly) {
    const value = (latest as Record<string, unknown>)[field];
    if (value !== undefined) document[field] = value;
  }
  return { document: document as T, conflicts };
}

export function reapplyTargeting(
  original: Targeting,
  edited: Targeting,
  latest: Targeting,
): Reapplied<Targeting> {
  return reapplyEdit(original, edited, latest, TARGETING_READ_ONLY);
}
