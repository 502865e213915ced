import type { JsonValue, PatchOp } from '../api/types.js';

// RFC 6902 JSON Patch generation: the operations that turn one JSON document into another.
// Small patches read well in the save preview and in the audit log, so arrays are compared
// element by element (a longest common subsequence over the changed middle) instead of being
// replaced whole; a changed element becomes a patch inside it.

type JsonObject = { [k: string]: JsonValue };

/** RFC 6901: "~" is written "~0" and "/" is written "~1". */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${escapePointer(String(t))}`).join('');
}

/** The tokens of a JSON Pointer; "" is the whole document. */
export function pointerTokens(path: string): string[] {
  return path === '' ? [] : path.slice(1).split('/').map(unescapePointer);
}

/** The value at a JSON Pointer, or undefined when there is none. */
export function valueAt(doc: JsonValue | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = doc;
  for (const token of pointerTokens(path)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isObject(current))
      current = Object.hasOwn(current, token) ? current[token] : undefined;
    else return undefined;
  }
  return current;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keysA = definedKeys(a);
    const keysB = definedKeys(b);
    return keysA.length === keysB.length && keysA.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Keys whose value is not undefined (an object built in code may carry undefined ones). */
function definedKeys(o: JsonObject): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/** The patch that turns `from` into `to`, with every path under `prefix`. */
export function diff(from: JsonValue, to: JsonValue, prefix = ''): PatchOp[] {
  const ops: PatchOp[] = [];
  diffInto(from, to, prefix, ops);
  return ops;
}

function diffInto(from: JsonValue, to: JsonValue, path: string, ops: PatchOp[]): void {
  if (jsonEqual(from, to)) return;
  if (Array.isArray(from) && Array.isArray(to)) return diffArrays(from, to, path, ops);
  if (isObject(from) && isObject(to)) return diffObjects(from, to, path, ops);
  ops.push({ op: 'replace', path, value: to });
}

function diffObjects(from: JsonObject, to: JsonObject, path: string, ops: PatchOp[]): void {
  for (const key of definedKeys(from)) {
    const child = `${path}/${escapePointer(key)}`;
    if (to[key] === undefined) ops.push({ op: 'remove', path: child });
    else diffInto(from[key]!, to[key], child, ops);
  }
  for (const key of definedKeys(to)) {
    if (from[key] === undefined)
      ops.push({ op: 'add', path: `${path}/${escapePointer(key)}`, value: to[key]! });
  }
}

/** Past this many element comparisons the changed middle of an array is replaced whole. */
const LCS_BUDGET = 250_000;

function diffArrays(from: JsonValue[], to: JsonValue[], path: string, ops: PatchOp[]): void {
  let start = 0;
  while (start < from.length && start < to.length && jsonEqual(from[start], to[start])) start++;
  let endFrom = from.length;
  let endTo = to.length;
  while (endFrom > start && endTo > start && jsonEqual(from[endFrom - 1], to[endTo - 1])) {
    endFrom--;
    endTo--;
  }
  const a = from.slice(start, endFrom);
  const b = to.slice(start, endTo);
  if (a.length * b.length > LCS_BUDGET) {
    ops.push({ op: 'replace', path, value: to });
    return;
  }
  let index = start;
  for (const step of editScript(a, b)) {
    if (step.kind === 'keep') {
      index++;
      continue;
    }
    // A run of removals and insertions between kept elements: pair them up as changes in
    // place (a rule edited), then remove or insert what is left over.
    const paired = Math.min(step.removed.length, step.inserted.length);
    for (let i = 0; i < paired; i++)
      diffInto(step.removed[i]!, step.inserted[i]!, `${path}/${index++}`, ops);
    for (let i = paired; i < step.removed.length; i++)
      ops.push({ op: 'remove', path: `${path}/${index}` });
    for (let i = paired; i < step.inserted.length; i++)
      ops.push({ op: 'add', path: `${path}/${index++}`, value: step.inserted[i]! });
  }
}

type Step = { kind: 'keep' } | { kind: 'change'; removed: JsonValue[]; inserted: JsonValue[] };

/** Kept elements and runs of changes, from a longest common subsequence of `a` and `b`. */
function editScript(a: readonly JsonValue[], b: readonly JsonValue[]): Step[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = jsonEqual(a[i], b[j])
        ? lcs[i + 1]![j + 1]! + 1
        : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const steps: Step[] = [];
  let run: { kind: 'change'; removed: JsonValue[]; inserted: JsonValue[] } | undefined;
  const flush = () => {
    if (run !== undefined) steps.push(run);
    run = undefined;
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && jsonEqual(a[i], b[j])) {
      flush();
      steps.push({ kind: 'keep' });
      i++;
      j++;
    } else {
      run ??= { kind: 'change', removed: [], inserted: [] };
      if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) run.inserted.push(b[j++]!);
      else run.removed.push(a[i++]!);
    }
  }
  flush();
  return steps;
}
