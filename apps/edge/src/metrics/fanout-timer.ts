/** What a finished fan-out reports: seconds from apply to the last write, and what it carried. */
export type FanoutObserver = (seconds: number, kind: 'change' | 'reset') => void;

interface Wave {
  readonly appliedAt: number;
  readonly kind: 'change' | 'reset';
  /** A stream group queued a message: the writes happen in its flush, in a later callback. */
  queued: boolean;
  /** Something was written to a stream during the event itself (WebSocket, client streams). */
  written: boolean;
}

/**
 * Times the fan-out of each state event (a change or a resync) from the moment it was applied to
 * the last stream write that carried it, without any per-stream work. Stream groups write in a
 * `setImmediate` callback queued at their first broadcast; immediates run in order, so a callback
 * queued when the event has been handed to every protocol runs after every flush that carries it.
 */
export class FanoutTimer {
  private current: Wave | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly observe: FanoutObserver,
  ) {}

  begin(kind: 'change' | 'reset'): void {
    this.current = { appliedAt: this.clock(), kind, queued: false, written: false };
  }

  queued(): void {
    if (this.current !== undefined) this.current.queued = true;
  }

  written(): void {
    if (this.current !== undefined) this.current.written = true;
  }

  /** The event was handed to every protocol; an event that reached no stream is not timed. */
  end(): void {
    const wave = this.current;
    this.current = undefined;
    if (wave === undefined) return;
    const report = () => this.observe((this.clock() - wave.appliedAt) / 1000, wave.kind);
    if (wave.queued) setImmediate(report);
    else if (wave.written) report();
  }
}
