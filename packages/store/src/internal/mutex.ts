/**
 * A FIFO async lock. The memory and SQLite stores run one writer at a time: their `work`
 * callbacks are async, so a synchronous lock (or SQLite's own) cannot hold across awaits.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(critical: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await critical();
    } finally {
      release();
    }
  }
}
