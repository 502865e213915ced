/** An environment as the lag sampler sees it. */
export interface SyncedEnvironment {
  readonly id: string;
  readonly seq: number;
  readonly ready: boolean;
}

/**
 * How many changes behind the upstream head each synced environment is. With a head to ask
 * (the bus's last published seq), it is sampled every `intervalMs`, at most `perSample`
 * environments at a time, in turn: a bus round trip per environment per interval would make an
 * idle edge's cost grow with the number of environments it holds. Without one (a relay feed, a
 * worker fed over IPC), the upstream pushes every change as it happens and the lag is 0.
 */
export class BusLag {
  private lags = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  /** Where the next sample starts in the list of ready environments. */
  private cursor = 0;

  constructor(
    private readonly environments: () => Iterable<SyncedEnvironment>,
    private readonly head: ((environmentId: string) => Promise<number>) | undefined,
    private readonly intervalMs: number,
    private readonly perSample = 100,
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

  /**
   * Asks the head of the next `perSample` ready environments; one whose head cannot be read keeps
   * its last value, and environments no longer ready are forgotten.
   */
  async sample(): Promise<void> {
    const head = this.head;
    if (head === undefined || this.sampling) return;
    this.sampling = true;
    try {
      const ready = [...this.environments()].filter((env) => env.ready);
      const live = new Set(ready.map((env) => env.id));
      for (const id of this.lags.keys()) if (!live.has(id)) this.lags.delete(id);
      if (this.cursor >= ready.length) this.cursor = 0;
      const batch = ready.slice(this.cursor, this.cursor + this.perSample);
      this.cursor += batch.length;
      for (const env of batch) {
        try {
          const seq = await head(env.id);
          // Read after the head: a change applied meanwhile makes the lag smaller, never negative.
          this.lags.set(env.id, Math.max(0, seq - env.seq));
        } catch {
          // Keeps its last value.
        }
      }
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
