import jsonPatch, { type Operation } from 'fast-json-patch';
import { ApiError } from '../http/api-error.js';
import { assertStorable } from '../http/body.js';

/** Applies an RFC 6902 patch to a copy of `document`; a failing `test` is a conflict. */
export function applyJsonPatch<T>(document: T, operations: readonly Operation[]): T {
  const copy = structuredClone(document);
  const banned = operations.findIndex((op) => touchesPrototype(op));
  if (banned >= 0) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `patch[${banned}]: paths may not go through "__proto__", "constructor" or "prototype"`,
    );
  }
  const inside = operations.findIndex((op) => movesIntoItself(op));
  if (inside >= 0) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `patch[${inside}]: cannot move ${JSON.stringify((operations[inside] as { from: string }).from)} into itself`,
    );
  }
  let patched: T;
  try {
    patched = jsonPatch.applyPatch(copy, operations, true, true, true).newDocument;
  } catch (e) {
    if (e instanceof jsonPatch.JsonPatchError) {
      const at = e.index === undefined ? '' : `patch[${e.index}]: `;
      if (e.name === 'TEST_OPERATION_FAILED') {
        throw new ApiError(
          'CONFLICT',
          `${at}the "test" operation failed: the document changed since you read it`,
        );
      }
      throw new ApiError('VALIDATION_FAILED', `${at}${patchMessage(e.name, e.operation)}`);
    }
    // Anything else the library trips over is still a patch this document cannot take.
    const reason = e instanceof Error ? e.message : String(e);
    throw new ApiError('VALIDATION_FAILED', `the patch cannot be applied: ${reason}`);
  }
  // A copy can put a subtree under a deep path: the result is held to the same depth as bodies.
  assertStorable(patched, 'the patched document');
  return patched;
}

/** `move` to a path inside `from` (its own child): RFC 6902 forbids it. */
function movesIntoItself(op: Operation): boolean {
  return op.op === 'move' && op.path.startsWith(`${op.from}/`);
}

/**
 * fast-json-patch refuses these with a TypeError (which would be a 500); no field of a flag or
 * segment has such a name, so they are refused up front as invalid paths.
 */
function touchesPrototype(op: Operation): boolean {
  const pointers = [op.path, (op as { from?: string }).from];
  return pointers.some(
    (p) =>
      typeof p === 'string' &&
      p
        .split('/')
        .some((part) => part === '__proto__' || part === 'constructor' || part === 'prototype'),
  );
}

function patchMessage(name: string, operation: unknown): string {
  const op = (operation ?? {}) as { op?: unknown; path?: unknown; from?: unknown };
  const path = JSON.stringify(op.path);
  switch (name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `path ${path} does not exist in the document`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `path ${path} has an array index that is out of range`;
    case 'OPERATION_PATH_INVALID':
      return `path ${path} is not a JSON Pointer: it must start with "/"`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `cannot add at ${path}: its parent does not exist`;
    case 'OPERATION_VALUE_REQUIRED':
      return `"${String(op.op)}" needs a "value"`;
    case 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED':
      return `the "value" of "${String(op.op)}" is not plain JSON`;
    case 'OPERATION_FROM_REQUIRED':
      return `"${String(op.op)}" needs a "from" path to take the value from`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `"from" ${JSON.stringify(op.from)} does not exist in the document`;
    case 'OPERATION_OP_INVALID':
      return `unknown op ${JSON.stringify(op.op)}: use add, remove, replace, move, copy or test`;
    default:
      return `the patch cannot be applied (${name})`;
  }
}

export type { Operation };
