import { BusError, checkNatsCredentials, type NatsBusOptions } from '@vexil/bus/nats';
import { usageError } from '../cli-error.js';
import type { BusConnection } from './bus-connection.js';

// The bus's connection options from the command line's (bus-connection.ts). Loaded only by the
// roles that connect, so that help and the admin commands do not load the NATS client.

/** A seed or .creds file the NATS client could not use is a usage error naming its option. */
export function checkBusCredentials(connection: BusConnection): void {
  if (connection.credentials === undefined) return;
  try {
    checkNatsCredentials(connection.credentials);
  } catch (e) {
    if (e instanceof BusError) throw usageError(`${connection.credentialsSource}: ${e.message}`);
    throw e;
  }
}

export function natsConnectionOptions(
  connection: BusConnection,
): Pick<NatsBusOptions, 'servers' | 'credentials' | 'tls'> {
  return {
    servers: [...connection.servers],
    ...(connection.credentials === undefined ? {} : { credentials: connection.credentials }),
    ...(connection.tls === undefined ? {} : { tls: { ...connection.tls } }),
  };
}
