import type { EnvironmentState, StateEvent, StoredItem } from '../state/environment-state.js';

/** The next write an environment owes Redis; `covers` is the count of events it makes durable. */
export type PendingWrite =
  | { readonly type: 'init'; readonly covers: number }
  | { readonly type: 'upsert'; readonly items: readonly StoredItem[]; readonly covers: number };

/**
 * What one environment still owes Redis, coalesced so that its size is bounded by the number of
 * distinct items, not the number of events: a newer change to a key replaces the queued one, a
 * snapshot (or anything that makes Redis untrustworthy: a failed write, a reconnect, too many
 * queued keys) replaces everything with one full init. A full init reads the live state when it
 * is taken, so nothing else needs to be kept to catch up.
 */
export class EnvironmentQueue {
  /** Events recorded. */
  private seen = 0;
  /** Events whose effect Redis holds. */
  private written = 0;
  /** Nothing has been written yet, so the first write is a full init. */
  private needsInit = true;
  private readonly pending = new Map<string, StoredItem>();

  constructor(
    public state: EnvironmentState,
    private readonly maxPendingItems: number,
  ) {}

  record(state: EnvironmentState, event: StateEvent): void {
    this.state = state;
    this.seen++;
    if (event.type === 'reset') return this.invalidate();
    if (this.needsInit) return;
    const { item } = event;
    const id = `${item.kind}/${item.key}`;
    const queued = this.pending.get(id);
    if (queued === undefined || queued.version < item.version) this.pending.set(id, item);
    if (this.pending.size > this.maxPendingItems) this.invalidate();
  }

  /** Redis may not hold what was written (a failure, a reconnect): the next write is a full init. */
  invalidate(): void {
    this.needsInit = true;
    this.pending.clear();
  }

  get hasWork(): boolean {
    return this.written < this.seen || (this.needsInit && this.seen > 0);
  }

  /** True once every event recorded up to `mark` (a `seen` count) is in Redis. */
  reached(mark: number): boolean {
    return this.written >= mark;
  }

  get mark(): number {
    return this.seen;
  }

  /** Hands out everything owed; the caller writes it, then calls `done`, or `invalidate` on failure. */
  take(): PendingWrite | undefined {
    if (!this.hasWork) return undefined;
    const covers = this.seen;
    if (this.needsInit) {
      this.needsInit = false;
      this.pending.clear();
      return { type: 'init', covers };
    }
    const items = [...this.pending.values()];
    this.pending.clear();
    return { type: 'upsert', items, covers };
  }

  done(write: PendingWrite): void {
    this.written = Math.max(this.written, write.covers);
  }
}
