// Latency histograms from the load generator (benchmarks/native/loadgen.c), merged over its
// processes. Layout, as in loadgen.c: below 128 µs one bucket per µs; above, 64 sub-buckets per
// power of two, so a bucket's width is at most 1/64 of its value.

const SUB = 64;

export class Histogram {
  readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  /** Adds one `H <marker> <count> <min> <max> <sum> <idx>:<n> ...` line's fields (after marker). */
  addLine(fields: readonly string[]): void {
    const [count, min, max, sum, ...buckets] = fields;
    this.count += Number(count);
    this.min = Math.min(this.min, Number(min));
    this.max = Math.max(this.max, Number(max));
    this.sum += Number(sum);
    for (const entry of buckets) {
      const [idx, n] = entry.split(':');
      this.buckets.set(Number(idx), (this.buckets.get(Number(idx)) ?? 0) + Number(n));
    }
  }

  merge(other: Histogram): void {
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    for (const [idx, n] of other.buckets) this.buckets.set(idx, (this.buckets.get(idx) ?? 0) + n);
  }

  /** Nearest-rank percentile in µs (the bucket's midpoint; exact min and max at the ends). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    if (rank >= this.count) return this.max;
    let seen = 0;
    for (const idx of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(idx)!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, midpoint(idx)));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
}

function midpoint(idx: number): number {
  if (idx < 2 * SUB) return idx;
  const shift = Math.floor(idx / SUB) - 1;
  const low = ((idx % SUB) + SUB) * 2 ** shift;
  return low + 2 ** shift / 2;
}
