import type { Server } from 'node:http';
import type { FrontDoor } from '@vexil/edge';
import type { Logger } from '@vexil/origin';
import type { Dispatch } from './http-dispatch.js';

export interface ShutdownOptions {
  readonly server: Server;
  readonly dispatch: Dispatch;
  /** Connections still sending their request head are answered and closed at once. */
  readonly frontDoor: FrontDoor;
  readonly logger: Logger;
  /** Open requests get this long to finish before their connections are cut. */
  readonly timeoutMs: number;
  /** Closes long-lived streams, spread over a window, once no new connections are accepted. */
  readonly drain: () => Promise<void>;
  /** Releases everything else (the store), after the last connection closed. */
  readonly release: () => Promise<void>;
  readonly exit: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let open requests finish (each response
 * closes its connection, so keep-alive clients reconnect elsewhere), cut what is left after the
 * timeout, release the store, exit 0. A second signal, or a release that hangs, exits 1 at once.
 * Returns a function that removes the signal handlers.
 */
export function installShutdown(options: ShutdownOptions): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      options.exit(1);
      return;
    }
    stopping = true;
    void shutdown(options, signal).then(
      () => options.exit(0),
      (err: unknown) => {
        options.logger.error({ err }, 'shutdown failed');
        options.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

async function shutdown(options: ShutdownOptions, signal: NodeJS.Signals): Promise<void> {
  const { server, dispatch, logger, timeoutMs } = options;
  logger.info({ signal }, 'shutting down');
  const hardStop = setTimeout(() => {
    logger.error({ timeoutMs }, 'shutdown did not finish in time');
    options.exit(1);
  }, timeoutMs * 2);
  hardStop.unref();
  dispatch.drain();
  options.frontDoor.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await options.drain();
  const cut = setTimeout(() => {
    logger.warn({ timeoutMs }, 'closing connections still open after the shutdown timeout');
    server.closeAllConnections();
  }, timeoutMs);
  await closed;
  clearTimeout(cut);
  await options.release();
  clearTimeout(hardStop);
  logger.info({}, 'stopped');
}
