import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from '../cli-error.js';

/**
 * Starts listening; resolves with the bound port (the chosen one when `port` is 0). With
 * `reusePort`, the socket is the process's own in a group of SO_REUSEPORT sockets on the port
 * (each edge worker's; roles/accept-mode.ts), even in a cluster worker.
 */
export function listen(
  server: Server,
  port: number,
  host: string,
  options: { readonly reusePort?: boolean } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(e, port, host));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, reusePort: options.reusePort === true });
  });
}

function listenError(e: NodeJS.ErrnoException, port: number, host: string): CliError {
  switch (e.code) {
    case 'EADDRINUSE':
      return new CliError(
        'STARTUP',
        `port ${port} on ${host} is already in use; stop the program using it or choose another port with --port or VEXIL_PORT`,
      );
    case 'EACCES':
      return new CliError(
        'STARTUP',
        `no permission to listen on port ${port}; choose a port above 1023 with --port or VEXIL_PORT`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(
        'STARTUP',
        `cannot listen on "${host}": not an address of this machine; use --host 127.0.0.1 or 0.0.0.0`,
      );
    default:
      return new CliError('STARTUP', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`);
  }
}
