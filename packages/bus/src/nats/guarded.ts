import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { BusError } from '../errors.js';
import type { Session } from './session.js';

function isStreamMissing(err: unknown): boolean {
  return (
    (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) ||
    // A publish to a subject no stream captures has no responders.
    (err instanceof Error && err.name === 'JetStreamNotEnabled')
  );
}

/**
 * Runs a request to the bus, turning transport failures into a BusError UNAVAILABLE (the caller
 * retries later); a missing stream is set up again first.
 */
export async function guarded<T>(session: Session, what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BusError) throw err;
    if (isStreamMissing(err)) session.setUpAgain();
    throw new BusError('UNAVAILABLE', `${what} failed; try again later`, { cause: err });
  }
}
