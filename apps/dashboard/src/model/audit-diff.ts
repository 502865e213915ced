import type { AuditEntry, JsonValue } from '../api/types.js';
import { pointerTokens, valueAt } from '../editor/json-patch.js';

// The audit log's before/after view. Each entry carries the JSON Patch from `before` to
// `after`; a row per operation shows the value before and after at that path. Bookkeeping
// fields that change on every write (versions, timestamps) are left out of the rows.

export interface DiffRow {
  readonly op: string;
  readonly path: string;
  readonly before: JsonValue | undefined;
  readonly after: JsonValue | undefined;
}

const BOOKKEEPING = new Set(['version', 'updatedAt', 'createdAt']);

/** Whether a path is one of the fields every write changes (/version, /environments/x/version). */
export function isBookkeeping(path: string): boolean {
  const tokens = pointerTokens(path);
  const last = tokens[tokens.length - 1];
  if (last === undefined || !BOOKKEEPING.has(last)) return false;
  return tokens.length === 1 || (tokens.length === 3 && tokens[0] === 'environments');
}

export function diffRows(entry: AuditEntry): DiffRow[] {
  return entry.diff
    .filter((op) => !isBookkeeping(op.path))
    .map((op) => ({
      op: op.op,
      path: op.path,
      before: valueAt(entry.before, op.path),
      after: valueAt(entry.after, op.path),
    }));
}

/**
 * Whether an entry concerns environment `envKey`. Flag entries are project-wide (a flag is
 * defined once for every environment), so a flag change counts for the environments whose
 * targeting it changed, and for all of them when it changed the definition itself.
 */
export function concernsEnvironment(entry: AuditEntry, envKey: string): boolean {
  if (entry.environmentKey !== undefined) return entry.environmentKey === envKey;
  if (entry.resourceKind !== 'flag') return true;
  if (entry.before === null || entry.after === null) return true;
  return entry.diff.some((op) => {
    if (isBookkeeping(op.path)) return false;
    const [first, env] = pointerTokens(op.path);
    return first !== 'environments' || env === envKey || env === undefined;
  });
}

/** "flag.update" -> "updated"; unknown actions are shown as they are. */
export function actionVerb(action: string): string {
  const verb = action.slice(action.indexOf('.') + 1);
  const words: Record<string, string> = {
    create: 'created',
    update: 'updated',
    delete: 'deleted',
    archive: 'archived',
    restore: 'restored',
    'rotate-sdk-key': 'rotated the SDK key of',
    'rotate-mobile-key': 'rotated the mobile key of',
    schedule: 'scheduled a change of',
    'schedule-edit': 'edited a scheduled change of',
    'schedule-cancel': 'cancelled a scheduled change of',
    'schedule-fail': 'could not apply a scheduled change of',
  };
  return words[verb] ?? action;
}
