// A loop that pushes the store's pending work to the bus: run when woken, and by a sweep timer;
// wait quietly while the bus is down; after a failure, retry with a backoff that doubles to 2 s
// (short: a failed call costs one request, and delivery waits on it). The outbox publisher and
// the directory sync each run one, so neither waits on the other.

export interface BusLaneOptions {
  /** Does the pending work; throws to be retried (what failed must be pending again). */
  readonly drain: () => Promise<void>;
  readonly pending: () => boolean;
  readonly connected: () => boolean;
  /** A drain failed; it is retried after `retryInMs`. */
  readonly failed: (err: unknown, retryInMs: number) => void;
  /** Marks the work a sweep looks for as pending. */
  readonly sweep: () => void;
  readonly sweepIntervalMs: number;
  readonly retryDelayMs: number;
}

export interface BusLane {
  /** Drain now (or as soon as the running drain ends). */
  wake(): void;
  /** Resolves when nothing is pending or running (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `run` after `delayMs`; at 0, as soon as the current I/O is done (a 0 ms timeout waits
 * for the next timer tick, about a millisecond, and every change would wait for it).
 */
function later(delayMs: number, run: () => void): { cancel(): void } {
  if (delayMs > 0) {
    const timeout = setTimeout(run, delayMs);
    return { cancel: () => clearTimeout(timeout) };
  }
  const immediate = setImmediate(run);
  return { cancel: () => clearImmediate(immediate) };
}

export function startBusLane(o: BusLaneOptions): BusLane {
  let running: Promise<void> | undefined;
  let timer: { cancel(): void } | undefined;
  let retryDelay = o.retryDelayMs;
  let closed = false;

  function schedule(delay = 0): void {
    if (running !== undefined || timer !== undefined || closed) return;
    timer = later(delay, () => {
      timer = undefined;
      // While the bus is known to be down, wait for it quietly: nothing fails then, and the
      // store keeps everything meanwhile.
      if (!o.connected()) {
        schedule(Math.min(Math.max(delay * 2, o.retryDelayMs), 1_000));
        return;
      }
      let retryIn: number | undefined;
      running = o
        .drain()
        .then(() => {
          retryDelay = o.retryDelayMs;
        })
        .catch((err: unknown) => {
          retryIn = retryDelay;
          retryDelay = Math.min(retryDelay * 2, 2_000);
          o.failed(err, retryIn);
        })
        .finally(() => {
          running = undefined;
          if (retryIn !== undefined) schedule(retryIn);
          else if (o.pending()) schedule();
        });
    });
  }

  const sweep = setInterval(() => {
    o.sweep();
    schedule();
  }, o.sweepIntervalMs);
  sweep.unref();
  schedule();

  return {
    wake: () => schedule(),
    async idle() {
      while ((o.pending() || running !== undefined || timer !== undefined) && !closed)
        await (running ?? new Promise((resolve) => setTimeout(resolve, 5)));
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      timer?.cancel();
      await running;
    },
  };
}
