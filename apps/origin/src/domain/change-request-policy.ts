import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue } from '@vexil/protocol';
import type { EnvironmentRecord, StoreTransaction } from '@vexil/store';
import { ApiError } from '../http/api-error.js';

// Which flag changes need an approval (docs/security.md, "Approvals"). A JSON Patch of a flag
// whose operations change the targeting of an environment that requires approval
// (/environments/<env>/...) is stored as a change request rather than applied. `test`
// operations change nothing and are kept with the patch (checked again when it is applied).
//
// Policy for a patch that reaches further than those environments: it is refused with a 409
// that asks to split it, rather than applied in part or held whole. Holding it whole would
// delay changes that need no approval behind one that does; applying part of it would not be
// the change the writer reviewed.

/** What one operation's path reaches: an environment's targeting, every environment, or the flag. */
type Scope = { kind: 'environment'; key: string } | { kind: 'all' } | { kind: 'flag' };

function scopeOf(pointer: string): Scope {
  if (pointer === '' || pointer === '/environments') return { kind: 'all' };
  const m = /^\/environments\/([^/]+)(\/|$)/.exec(pointer);
  if (m === null) return { kind: 'flag' };
  return { kind: 'environment', key: m[1]!.replace(/~1/g, '/').replace(/~0/g, '~') };
}

interface PatchOperation {
  readonly op?: unknown;
  readonly path?: unknown;
  readonly from?: unknown;
}

function scopesOf(operations: readonly PatchOperation[]): Scope[] {
  const scopes: Scope[] = [];
  for (const op of operations) {
    if (op.op === 'test') continue;
    for (const pointer of [op.path, op.from])
      if (typeof pointer === 'string') scopes.push(scopeOf(pointer));
  }
  return scopes;
}

/** The environments named by /environments/<env>/... paths, before any store read. */
export function environmentsNamed(operations: readonly PatchOperation[]): Set<string> {
  const keys = new Set<string>();
  for (const scope of scopesOf(operations)) if (scope.kind === 'environment') keys.add(scope.key);
  return keys;
}

/**
 * The environments requiring approval that the patch changes, sorted; empty if it needs no
 * approval. A 409 when it changes both those and anything else (see the policy above).
 */
export function approvalEnvironments(
  operations: readonly PatchOperation[],
  environments: readonly EnvironmentRecord[],
): string[] {
  const gated = new Set(environments.filter((e) => e.requireApproval === true).map((e) => e.key));
  if (gated.size === 0) return [];
  const scopes = scopesOf(operations);
  const touched = new Set<string>();
  const other = new Set<string>();
  let all = false;
  for (const scope of scopes) {
    if (scope.kind === 'all') all = true;
    else if (scope.kind === 'flag') other.add('the flag itself');
    else (gated.has(scope.key) ? touched : other).add(scope.key);
  }
  const names = [...gated].sort().map((k) => `"${k}"`);
  if (all) {
    throw new ApiError(
      'CONFLICT',
      `this patch replaces the targeting of every environment, and ${names.join(', ')} require approval; patch each environment's targeting under /environments/<env>/... instead`,
    );
  }
  if (touched.size === 0) return [];
  if (other.size > 0) {
    const otherNames = [...other].sort().map((k) => (k === 'the flag itself' ? k : `"${k}"`));
    throw new ApiError(
      'CONFLICT',
      `this patch changes ${[...touched]
        .sort()
        .map((k) => `"${k}"`)
        .join(
          ', ',
        )}, which require approval, together with ${otherNames.join(', ')}, which do not; split it: send the changes to environments that require approval in a patch of their own (it becomes a change request), and the rest in another`,
    );
  }
  return [...touched].sort();
}

/**
 * What a request's patch depends on, from the flag's API representation: its variations (rules
 * and targets refer to them by index) and the targeting of the environments it changes, each
 * without its version (which every publication bumps).
 */
export function requestBase(representation: JsonObject, environmentKeys: readonly string[]) {
  const environments = (representation['environments'] ?? {}) as Record<string, JsonValue>;
  const targeting: Record<string, JsonValue> = {};
  for (const key of environmentKeys) {
    const t = environments[key];
    if (t === undefined || t === null || typeof t !== 'object' || Array.isArray(t)) {
      targeting[key] = null;
    } else {
      const { version: _version, ...rest } = t;
      targeting[key] = rest;
    }
  }
  // As stored (JSON): no undefined members, so it compares equal to itself read back.
  const base = { variations: representation['variations'] ?? null, environments: targeting };
  return JSON.parse(JSON.stringify(base)) as typeof base;
}

/** What changed since the request was made, in words; undefined if nothing it touches did. */
export function baseChanges(
  base: JsonValue,
  current: ReturnType<typeof requestBase>,
): string | undefined {
  const then = base as ReturnType<typeof requestBase>;
  const changes: string[] = [];
  if (!isDeepStrictEqual(then.variations, current.variations)) changes.push('its variations');
  for (const key of Object.keys(then.environments).sort()) {
    if (!isDeepStrictEqual(then.environments[key], current.environments[key]))
      changes.push(`its targeting in "${key}"`);
  }
  return changes.length === 0 ? undefined : changes.join(' and ');
}

/**
 * Scheduled changes do not go through approval: one that changes an environment requiring
 * approval is refused (409) when scheduled, and fails when it falls due if the environment came
 * to require approval meanwhile. Otherwise a schedule would be a way around the approval.
 */
export async function refuseWhereApprovalRequired(
  tx: StoreTransaction,
  projectKey: string,
  operations: readonly PatchOperation[],
): Promise<void> {
  const gated = approvalEnvironments(operations, await tx.listEnvironments(projectKey));
  if (gated.length === 0) return;
  throw new ApiError(
    'CONFLICT',
    `${gated.join(', ')} requires approval: a change there cannot be scheduled; ask for it as a change request (PATCH the flag) instead`,
  );
}
