import { setTimeout as delay } from 'node:timers/promises';
import type { RoleProcess } from '@vexil/testkit';

// The health checks in front of the edges, as a load balancer or a DNS service with health
// checks runs them: every edge's /readyz, every 250 ms with a 500 ms timeout. An edge passes
// while it answers 200 with `"status":"ready"`, so one that is down, starting, draining or
// stale (serving its last state while its NATS is unreachable) fails, and new connections go to
// an edge that has the latest changes. Connections already open stay where they are: neither a
// load balancer nor DNS moves them. Who fails open when every edge fails is the chooser's call
// (Fdv1Client's `healthy`, LoadBalancer).

const EVERY_MS = 250;
const TIMEOUT_MS = 500;

export class EdgeHealth {
  private readonly passing = new Map<string, boolean>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly edges: readonly RoleProcess[]) {}

  /** Runs a first round of checks, then keeps checking until `stop`. */
  async start(): Promise<this> {
    await this.round();
    this.loop = this.run();
    return this;
  }

  /** Whether `url` passed its latest check (an edge never checked passes). */
  readonly healthy = (url: string): boolean => this.passing.get(url) ?? true;

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await delay(EVERY_MS, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
      await this.round();
    }
  }

  private async round(): Promise<void> {
    await Promise.all(
      this.edges.map(async (edge) => {
        const { status, body } = await edge.readiness(TIMEOUT_MS);
        const ready = (body as { status?: unknown } | undefined)?.status === 'ready';
        this.passing.set(edge.url, status === 200 && ready);
      }),
    );
  }
}
