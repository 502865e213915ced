import type { Cancel, Scheduler } from '../../src/stream/scheduler.js';

interface Timer {
  due: number;
  /** Repeats every this many ms; undefined for a one-shot timer. */
  readonly every: number | undefined;
  readonly fn: () => void;
  /** Creation order: timers due at the same instant fire in it, as Node's do. */
  readonly order: number;
}

/**
 * A clock and scheduler that only move when the test says so: `now` for the edge, timers that
 * fire inside `advance`, each at its own due time. Stream lifetimes of seconds then take
 * milliseconds to test, and always land on the same tick.
 */
export class ManualClock implements Scheduler {
  private at: number;
  private timers = new Set<Timer>();
  private created = 0;

  /** Starts on a whole second by default, so the hub's per-second wheel is predictable. */
  constructor(start = Math.ceil(Date.now() / 1000) * 1000) {
    this.at = start;
  }

  readonly now = (): number => this.at;

  every(ms: number, fn: () => void): Cancel {
    if (!(ms > 0)) throw new RangeError(`an interval of ${ms} ms would never let time pass`);
    return this.add({ due: this.at + ms, every: ms, fn, order: this.created++ });
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add({
      due: this.at + Math.max(0, ms),
      every: undefined,
      fn,
      order: this.created++,
    });
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in time order. */
  advance(ms: number): void {
    const end = this.at + ms;
    for (let timer = this.next(end); timer !== undefined; timer = this.next(end)) {
      this.at = timer.due;
      if (timer.every === undefined) this.timers.delete(timer);
      else timer.due += timer.every;
      timer.fn();
    }
    this.at = end;
  }

  /** Timers still scheduled (a test can check that close() cancelled them). */
  get pending(): number {
    return this.timers.size;
  }

  private add(timer: Timer): Cancel {
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  private next(end: number): Timer | undefined {
    let first: Timer | undefined;
    for (const timer of this.timers) {
      if (timer.due > end) continue;
      if (first === undefined || timer.due < first.due) first = timer;
      else if (timer.due === first.due && timer.order < first.order) first = timer;
    }
    return first;
  }
}
