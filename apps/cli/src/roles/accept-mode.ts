import { createServer, type Server } from 'node:net';
import { usageError } from '../cli-error.js';
import type { Raw } from '../server/config-checks.js';

// How the workers of a multi-process edge accept connections on their shared port:
//
//   reuseport    each worker listens on its own socket with SO_REUSEPORT, and the kernel spreads
//                incoming connections over them: one worker wakes per connection. The default
//                where the platform has it (Linux 3.9+, FreeBSD 12+, with Node.js 22.12+).
//   shared       the workers accept from one socket that the primary opened (cluster.SCHED_NONE):
//                the fallback, as fast for one worker, but every connection wakes every worker.
//   round-robin  the primary accepts and hands each connection to a worker over IPC (Node's
//                cluster default): an even spread, about half the connect rate (BENCHMARKS.md).
//   single       one process: nothing to share.
//
// SO_REUSEPORT lets any process of the same user join the port's group: run edges under a user
// of their own. A worker that dies loses the connections still queued on its socket (their
// clients retry), unless net.ipv4.tcp_migrate_req is set (Linux 5.14+).

export type AcceptMode = 'reuseport' | 'shared' | 'round-robin' | 'single';

export const ACCEPT_HELP = `--accept, VEXIL_ACCEPT        how workers share the port: reuseport (a socket each), shared
                                (one socket), round-robin (the primary hands over), or auto
                                (default): round-robin or shared when Node's
                                NODE_CLUSTER_SCHED_POLICY is rr or none, else reuseport where
                                the platform has it, else shared`;

/** `--accept`: undefined for auto. */
export function acceptOption(raw: Raw | undefined): Exclude<AcceptMode, 'single'> | undefined {
  if (raw === undefined || raw.value === 'auto') return undefined;
  if (raw.value === 'reuseport' || raw.value === 'shared' || raw.value === 'round-robin')
    return raw.value;
  throw usageError(
    `${raw.source} must be auto, reuseport, shared or round-robin (got "${raw.value}")`,
  );
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, reusePort: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Whether two sockets can listen on one port with SO_REUSEPORT here: the option takes effect
 * (a Node.js without it ignores the option, and the second socket then fails with EADDRINUSE).
 */
export async function reusePortWorks(host: string): Promise<boolean> {
  const first = createServer();
  const second = createServer();
  try {
    const port = await listenOn(first, 0, host);
    await listenOn(second, port, host);
    return true;
  } catch {
    return false;
  } finally {
    if (first.listening) await close(first);
    if (second.listening) await close(second);
  }
}

/**
 * The port the workers bind with SO_REUSEPORT: `port`, or for 0 one the kernel picks now (each
 * worker asking for port 0 would get a port of its own).
 */
export async function reusePortNumber(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  const chosen = await listenOn(probe, 0, host);
  await close(probe);
  return chosen;
}
