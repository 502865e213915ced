import type { FlagRecord, StoreTransaction } from '@vexil/store';
import { flagRepresentation } from '../domain/flag-model.js';
import { notFound } from '../http/api-error.js';
import type { SchemaRegistry } from '../http/validation.js';
import { recordFromRepresentation } from './flag-input.js';
import { assertAllowedChange, touchesFilterMembership } from './flags.js';
import { applyJsonPatch, type Operation } from './json-patch.js';
import { ref } from './schemas.js';

// A JSON Patch of a flag checked exactly as PATCH .../flags/{key} checks it (api/flags.ts), for
// the scheduled changes: once when a change is scheduled (or edited), and again when it runs,
// against the flag as it is then.

export interface PreparedPatch {
  readonly before: FlagRecord;
  readonly after: FlagRecord;
  readonly envKeys: string[];
}

/**
 * The flag (locked) and what the patch makes of it; throws the ApiError PATCH would answer with
 * (404 for a flag that is gone, 400 for an invalid result, 409 for a failed test operation...).
 * Writes nothing.
 */
export async function prepareFlagPatch(
  tx: StoreTransaction,
  schemas: SchemaRegistry,
  projectKey: string,
  flagKey: string,
  operations: readonly Operation[],
): Promise<PreparedPatch> {
  // It can move the flag into or out of a payload filter: see commitFilter in commit.ts.
  if (touchesFilterMembership(operations)) await tx.listEnvironmentsForUpdate(projectKey);
  const before = await tx.getFlagForUpdate(projectKey, flagKey);
  if (before === undefined) throw notFound(`flag "${flagKey}" in project "${projectKey}"`);
  const envKeys = (await tx.listEnvironments(projectKey)).map((e) => e.key);
  const current = flagRepresentation(before, envKeys);
  const patched = applyJsonPatch(current, operations);
  schemas.check(ref('Flag'), patched, '');
  const after = recordFromRepresentation(before, current, patched, envKeys);
  assertAllowedChange(before, after, await tx.listFlags(projectKey));
  return { before, after, envKeys };
}
