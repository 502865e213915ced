import { isDirectoryKey } from '@vexil/protocol';
import { BusError } from '../errors.js';

// One subject per environment, so the stream keeps a replay window per environment
// (max_msgs_per_subject) and a consumer can filter on exactly one environment.

const TOKEN = /^[A-Za-z0-9_-]+$/;

export interface Subjects {
  /** `<prefix>.changes.*`: what the change stream captures. */
  readonly allChanges: string;
  /** `<prefix>.changes.<environmentId>`. */
  changes(environmentId: string): string;
  /** `<prefix>.directory.>`: what the directory stream captures. */
  readonly allDirectory: string;
  /** `<prefix>.directory.<key>`: one directory entry (keys are checked by isDirectoryKey). */
  directory(key: string): string;
}

export function subjectsFor(prefix: string): Subjects {
  return {
    allChanges: `${prefix}.changes.*`,
    changes(environmentId) {
      if (!TOKEN.test(environmentId))
        throw new BusError(
          'INVALID_ENVIRONMENT_ID',
          `environment id "${environmentId}" cannot be a NATS subject token: use letters, digits, _ and - only`,
        );
      return `${prefix}.changes.${environmentId}`;
    },
    allDirectory: `${prefix}.directory.>`,
    directory(key) {
      if (!isDirectoryKey(key))
        throw new BusError('INVALID_DIRECTORY_KEY', `"${key}" is not a directory key`);
      return `${prefix}.directory.${key}`;
    },
  };
}

/** The `Nats-Msg-Id` of a change: the server drops a second message with it inside the window. */
export function changeMessageId(environmentId: string, seq: number): string {
  return `${environmentId}:${seq}`;
}
