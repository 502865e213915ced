import type { JsonValue, PatchOp } from '../api/types.js';
import { pointerTokens } from './json-patch.js';

// RFC 6902 JSON Patch applied on a copy: what a stored patch (a scheduled change, a change
// request) would make of a flag, for describing it before it runs.

type Doc = JsonValue;

const clone = (v: Doc): Doc => JSON.parse(JSON.stringify(v)) as Doc;

/** RFC 6902 on a copy of `doc`; throws when an operation does not apply. */
export function applyPatch(doc: Doc, ops: readonly PatchOp[]): Doc {
  let out = clone(doc);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        out = put(out, op.path, clone(op.value), 'add');
        break;
      case 'replace':
        get(out, op.path);
        out = put(out, op.path, clone(op.value), 'replace');
        break;
      case 'remove':
        out = take(out, op.path);
        break;
      case 'test':
        if (JSON.stringify(get(out, op.path)) !== JSON.stringify(op.value))
          throw new Error(`test failed at ${op.path}`);
        break;
      case 'move': {
        const value = get(out, op.from);
        out = put(take(out, op.from), op.path, value, 'add');
        break;
      }
      case 'copy':
        out = put(out, op.path, clone(get(out, op.from)), 'add');
        break;
    }
  }
  return out;
}

function parentOf(doc: Doc, path: string): { parent: Doc; last: string } {
  const tokens = pointerTokens(path);
  const last = tokens.pop();
  if (last === undefined) throw new Error('the whole document');
  let parent = doc;
  for (const t of tokens) parent = child(parent, t);
  return { parent, last };
}

function child(doc: Doc, token: string): Doc {
  if (Array.isArray(doc)) {
    const v = doc[Number(token)];
    if (!/^\d+$/.test(token) || v === undefined) throw new Error(`no ${token}`);
    return v;
  }
  if (typeof doc === 'object' && doc !== null && Object.hasOwn(doc, token)) return doc[token]!;
  throw new Error(`no ${token}`);
}

function get(doc: Doc, path: string): Doc {
  let at = doc;
  for (const t of pointerTokens(path)) at = child(at, t);
  return at;
}

function put(doc: Doc, path: string, value: Doc, how: 'add' | 'replace'): Doc {
  if (path === '') return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`bad index ${last}`);
    if (how === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (typeof parent === 'object' && parent !== null) {
    parent[last] = value;
  } else throw new Error(`not a container at ${path}`);
  return doc;
}

function take(doc: Doc, path: string): Doc {
  const { parent, last } = parentOf(doc, path);
  child(parent, last);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (typeof parent === 'object' && parent !== null) delete parent[last];
  return doc;
}
