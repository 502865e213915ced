/** An environment as the lag sampler sees it. */
export interface SyncedEnvironment {
  readonly id: string;
  readonly seq: number;
  readonly ready: boolean;
}

/**
 * How many changes behind the upstream head each synced environment is. With a head to ask
 * (the bus's last published seq), it is sampled every `intervalMs`: a bus round trip per
 * environment is too much for every scrape. Without one (a relay feed, a worker fed over IPC),
 * the upstream pushes every change as it happens and the lag is reported as 0.
 */
export class BusLag {
  private lags = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly environments: () => Iterable<SyncedEnvironment>,
    private readonly head: ((environmentId: string) => Promise<number>) | undefined,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.head === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
    void this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks the head of every ready environment once; an environment whose head cannot be read keeps its last value. */
  async sample(): Promise<void> {
    const head = this.head;
    if (head === undefined || this.sampling) return;
    this.sampling = true;
    try {
      const next = new Map<string, number>();
      for (const env of this.environments()) {
        if (!env.ready) continue;
        try {
          const seq = await head(env.id);
          // Read after the head: a change applied meanwhile makes the lag smaller, never negative.
          next.set(env.id, Math.max(0, seq - env.seq));
        } catch {
          const last = this.lags.get(env.id);
          if (last !== undefined) next.set(env.id, last);
        }
      }
      this.lags = next;
    } finally {
      this.sampling = false;
    }
  }

  /** The last lag of every ready environment. */
  *values(): Generator<[string, number]> {
    for (const env of this.environments()) {
      if (!env.ready) continue;
      yield [env.id, this.head === undefined ? 0 : (this.lags.get(env.id) ?? 0)];
    }
  }
}
