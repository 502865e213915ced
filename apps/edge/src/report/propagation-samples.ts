/**
 * Commit -> apply durations since the last report, for the network view's propagation
 * percentiles. Bounded: past `capacity` samples it keeps a uniform random sample (reservoir).
 */
export class PropagationSamples {
  private samples: number[] = [];
  private seen = 0;

  constructor(private readonly capacity = 10_000) {}

  add(ms: number): void {
    this.seen++;
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else {
      const i = Math.floor(Math.random() * this.seen);
      if (i < this.capacity) this.samples[i] = ms;
    }
  }

  /** Percentiles of the samples so far, and a fresh start. */
  take(): { samples: number; p50: number; p99: number; max: number } | undefined {
    const sorted = this.samples.sort((a, b) => a - b);
    const seen = this.seen;
    this.samples = [];
    this.seen = 0;
    if (sorted.length === 0) return undefined;
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    return { samples: seen, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
  }
}
