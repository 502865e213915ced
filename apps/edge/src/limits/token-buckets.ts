// Token buckets by key (a client address, a credential's hash): each key may spend `burst`
// tokens at once and gets `perSecond` back, up to `burst`. Pure: the clock is injected, and
// nothing runs between calls.
//
// Memory stays bounded without a timer. The map is kept in order of last use (a touched key is
// moved to the end), so the least recently used buckets are at its front: each new key first
// drops up to two front buckets that have refilled completely (a full bucket behaves exactly as
// a missing one, which starts full), then, at `maxKeys`, the front bucket whatever its state. A
// flood of new keys therefore costs at most `maxKeys` buckets, and an evicted busy key only gets
// a fresh, full bucket: the limit loosens for it, nothing is refused wrongly.

/** A sustained rate and the burst above it. */
export interface Rate {
  /** Tokens given back per second (> 0). */
  readonly perSecond: number;
  /** Tokens a bucket holds when full: requests allowed at once (>= 1). */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Full buckets dropped per new key: enough to keep the map at the keys in use. */
const SWEEP_PER_INSERT = 2;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rate: Rate,
    private readonly now: () => number,
    private readonly maxKeys: number,
  ) {
    if (!(rate.perSecond > 0 && Number.isFinite(rate.perSecond)) || !(rate.burst >= 1))
      throw new RangeError(`not a rate: ${rate.perSecond}/s, burst ${rate.burst}`);
    if (!(maxKeys >= 1)) throw new RangeError(`maxKeys must be at least 1 (got ${maxKeys})`);
  }

  /** Takes a token of `key`'s bucket: 0 when taken, else the milliseconds until one is there. */
  take(key: string): number {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.makeRoom(t);
      bucket = { tokens: this.rate.burst, at: t };
    } else {
      this.buckets.delete(key);
      this.refill(bucket, t);
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitFor(bucket);
  }

  /** The milliseconds until `key` has a token (0: it has one now); takes nothing. */
  wait(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    this.refill(bucket, this.now());
    return bucket.tokens >= 1 ? 0 : this.waitFor(bucket);
  }

  /** Keys with a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  private waitFor(bucket: Bucket): number {
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.rate.perSecond);
  }

  private refill(bucket: Bucket, t: number): void {
    // A clock set back gives nothing back rather than taking tokens away.
    const elapsed = Math.max(0, t - bucket.at);
    bucket.tokens = Math.min(
      this.rate.burst,
      bucket.tokens + (elapsed * this.rate.perSecond) / 1000,
    );
    bucket.at = t;
  }

  private makeRoom(t: number): void {
    for (let i = 0; i < SWEEP_PER_INSERT; i++) {
      const oldest = this.buckets.entries().next();
      if (oldest.done === true) return;
      const [key, bucket] = oldest.value;
      this.refill(bucket, t);
      if (bucket.tokens < this.rate.burst) break;
      this.buckets.delete(key);
    }
    while (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) return;
      this.buckets.delete(oldest.value);
    }
  }
}
