import type { StreamConnection } from './stream-connection.js';
import type { GroupMeter } from './stream-meter.js';

/**
 * The streams of one environment and one wire format. A message is serialized once and written
 * to every member; messages broadcast in the same tick are coalesced into one write per socket.
 */
export class StreamGroup {
  readonly members = new Set<StreamConnection>();
  private pending: Buffer[] = [];
  private scheduled = false;
  /**
   * Joined while a flush was pending: their initial payload already includes the messages pending
   * at that moment (`skip`), but not those broadcast after they joined, in the same tick.
   */
  private late: { connection: StreamConnection; skip: number }[] = [];

  constructor(private readonly meter?: GroupMeter) {}

  get size(): number {
    return this.members.size + this.late.length;
  }

  add(connection: StreamConnection): void {
    if (this.scheduled) this.late.push({ connection, skip: this.pending.length });
    else this.members.add(connection);
  }

  delete(connection: StreamConnection): void {
    if (!this.members.delete(connection)) {
      const i = this.late.findIndex((entry) => entry.connection === connection);
      if (i >= 0) this.late.splice(i, 1);
    }
  }

  broadcast(message: Buffer): void {
    this.pending.push(message);
    this.meter?.queued();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes pending messages now (also used before closing streams, so nothing is lost). */
  flush(): number {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    let written = 0;
    if (pending.length > 0) {
      const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      for (const connection of this.members) {
        if (connection.write(chunk)) written++;
      }
      this.meter?.flushed(written * pending.length, written * chunk.length);
    }
    for (const { connection, skip } of this.late) {
      if (connection.closed) continue;
      if (skip < pending.length) connection.write(Buffer.concat(pending.slice(skip)));
      this.members.add(connection);
    }
    this.late = [];
    return written;
  }
}
