import { StoreError } from '../errors.js';

export function versionConflict(key: string, version: number, current: number): StoreError {
  return new StoreError(
    'VERSION_CONFLICT',
    `version ${version} of "${key}" is not above the current version ${current}; re-read the item and write version ${current + 1} or higher`,
  );
}

export function notFound(what: string): StoreError {
  return new StoreError('NOT_FOUND', `${what} does not exist; create it first`);
}

export function alreadyExists(what: string): StoreError {
  return new StoreError('ALREADY_EXISTS', `${what} already exists`);
}

export function environmentKeyTaken(projectKey: string, key: string): StoreError {
  return new StoreError(
    'ALREADY_EXISTS',
    `project "${projectKey}" already has an environment with key "${key}"; choose another key or update that environment by its id`,
  );
}

/** Using a transaction object after its `work` settled is a caller bug, not a database state. */
export function transactionFinished(): Error {
  return new Error(
    'this transaction has already committed or rolled back; use it only inside work',
  );
}
