/** Cancels what a Scheduler scheduled; calling it again does nothing. */
export type Cancel = () => void;

/**
 * The timers the edge's shared clock and its stream hub run on. Injected like `now`, so tests
 * move time themselves instead of waiting real seconds; `realScheduler` in production.
 */
export interface Scheduler {
  /** Calls `fn` every `ms` until cancelled; does not keep the process alive on its own. */
  every(ms: number, fn: () => void): Cancel;
  /** Calls `fn` once after `ms` unless cancelled first; keeps the process alive until then. */
  after(ms: number, fn: () => void): Cancel;
}

/** Uniform in [0, 1), like Math.random (which tests cannot seed). */
export type RandomSource = () => number;

/** Node's timers, with the semantics the edge had before they were injected. */
export const realScheduler: Scheduler = {
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    // A background clock: it serves what is open and must not stop the process from exiting.
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
