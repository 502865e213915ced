import { connect, createServer, type Server, type Socket } from 'node:net';

// A layer-4 load balancer in front of edges, for the real LaunchDarkly SDKs (they take one URL
// where the FDv1 clients take a list): each new connection goes to the first edge of an ordered
// list that passes its health check, or to the next one when that edge refuses the connection;
// when none passes it fails open and tries them all in order. A connection stays on its edge
// until either side closes it, so an SDK moves only when it reconnects: after its edge died.

interface Route {
  /** Date.now() when the connection to the edge was made. */
  readonly at: number;
  readonly edge: string;
}

export class LoadBalancer {
  /** Where each connection went, in order. */
  readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(
    private readonly edges: readonly string[],
    private readonly healthy: (url: string) => boolean,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on a free loopback port; `edges` are base URLs, tried in this order. */
  static async start(
    edges: readonly string[],
    healthy: (url: string) => boolean,
  ): Promise<LoadBalancer> {
    const balancer = new LoadBalancer(edges, healthy);
    await new Promise<void>((resolve, reject) => {
      balancer.server.once('error', reject);
      balancer.server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  /** The base URL to give the SDK, `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.pause();
    client.on('error', () => client.destroy());
    const { edges, healthy } = this;
    const order = [...edges.filter(healthy), ...edges.filter((e) => !healthy(e))];
    const attempt = (i: number) => {
      const edge = order[i];
      if (edge === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const { hostname, port } = new URL(edge);
      const upstream = connect({ host: hostname, port: Number(port) });
      this.track(upstream);
      upstream.once('error', () => {
        upstream.destroy();
        attempt(i + 1);
      });
      upstream.once('connect', () => {
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        this.routes.push({ at: Date.now(), edge });
        // Either side closing or failing ends the pair, as the edge's death ends the SDK's stream.
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    attempt(0);
  }
}
