import jsonPatch, { type Operation } from 'fast-json-patch';
import { ApiError } from '../http/api-error.js';

/** Applies an RFC 6902 patch to a copy of `document`; a failing `test` is a conflict. */
export function applyJsonPatch<T>(document: T, operations: readonly Operation[]): T {
  const copy = structuredClone(document);
  try {
    return jsonPatch.applyPatch(copy, operations, true, true, true).newDocument;
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
    throw e;
  }
}

function patchMessage(name: string, operation: unknown): string {
  const path = (operation as { path?: unknown } | undefined)?.path;
  switch (name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `path ${JSON.stringify(path)} does not exist in the document`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `path ${JSON.stringify(path)} has an array index that is out of range`;
    case 'OPERATION_PATH_INVALID':
      return 'a JSON Pointer path must start with "/"';
    case 'OPERATION_VALUE_REQUIRED':
      return `"${String((operation as { op?: unknown } | undefined)?.op)}" needs a "value"`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `"from" ${JSON.stringify((operation as { from?: unknown } | undefined)?.from)} does not exist`;
    default:
      return `the patch cannot be applied (${name})`;
  }
}

export type { Operation };
