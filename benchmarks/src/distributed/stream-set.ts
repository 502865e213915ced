import { Fdv1Client, httpTransport, until, type ItemReceived } from '@vexil/testkit';

// Streams of one client process: lightweight FDv1 clients spread round-robin over the edges.
// Each change is awaited as "every stream received a version of this flag above the one it
// held"; the times of the first and the last arrival are what the benchmark measures.

/** Milliseconds on the system's monotonic clock: comparable between processes of one machine. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export interface Arrival {
  /** `monotonicMs()` when the first and the last stream of the set received the change. */
  readonly first: number;
  readonly last: number;
}

interface Expectation {
  readonly key: string;
  readonly after: number;
  readonly seen: Uint8Array;
  count: number;
  first: number;
  last: number;
  done(arrival: Arrival): void;
}

export class StreamSet {
  readonly clients: Fdv1Client[];
  private expectation: Expectation | undefined;

  constructor(sdkKey: string, endpoints: readonly string[], count: number, offset = 0) {
    this.clients = Array.from({ length: count }, (_, i) => {
      const home = (offset + i) % endpoints.length;
      return new Fdv1Client({
        name: `s${offset + i}`,
        sdkKey,
        endpoints: [...endpoints.slice(home), ...endpoints.slice(0, home)],
        // A loaded machine may delay heartbeats; a reconnect would only blur the figures.
        silenceTimeoutMs: 120_000,
        onItem: (item) => this.arrived(i, item),
        // node:http rather than fetch: a third of the client CPU per event, so the last of a
        // thousand streams measures the system more than this process's stream plumbing.
        transport: httpTransport,
      });
    });
  }

  async start(timeoutMs = 120_000): Promise<void> {
    for (const client of this.clients) client.start();
    try {
      await until(
        `${this.clients.length} streams to receive their put`,
        () => this.clients.every((c) => c.streaming),
        timeoutMs,
        50,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message} (${describeRefusals(this.clients)})`, { cause: e });
    }
  }

  /** The version of `key` that every stream holds (the lowest, if they differ). */
  version(key: string): number {
    return Math.min(...this.clients.map((c) => c.flags.get(key)?.version ?? 0));
  }

  /** Resolves when every stream has a version of `key` above `after`; rejects after `timeoutMs`. */
  expect(key: string, after: number, timeoutMs: number): Promise<Arrival> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = this.expectation?.seen.reduce((n, s) => n + (s === 0 ? 1 : 0), 0);
        this.expectation = undefined;
        reject(
          new Error(
            `${String(missing)} stream(s) did not receive ${key} > v${after} in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.expectation = {
        key,
        after,
        seen: new Uint8Array(this.clients.length),
        count: 0,
        first: 0,
        last: 0,
        done: (arrival) => {
          clearTimeout(timer);
          this.expectation = undefined;
          resolve(arrival);
        },
      };
    });
  }

  private arrived(index: number, item: ItemReceived): void {
    const e = this.expectation;
    if (e === undefined || item.key !== e.key || item.version <= e.after || e.seen[index] === 1)
      return;
    const at = monotonicMs();
    e.seen[index] = 1;
    if (e.count++ === 0) e.first = at;
    e.last = at;
    if (e.count === this.clients.length) e.done({ first: e.first, last: e.last });
  }

  violations(): number {
    return this.clients.reduce((n, c) => n + c.violations.length, 0);
  }

  reconnects(): number {
    return this.clients.reduce((n, c) => n + c.stats.streams - 1, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

/** `12 streaming, 988 not; refused: 503 x2380; last reasons: status 503` */
export function describeRefusals(clients: readonly Fdv1Client[]): string {
  const refused = new Map<number, number>();
  for (const c of clients)
    for (const [status, n] of Object.entries(c.stats.refusals))
      refused.set(Number(status), (refused.get(Number(status)) ?? 0) + n);
  const waiting = clients.filter((c) => !c.streaming);
  const reasons = [...new Set(waiting.map((c) => c.lastReason))].slice(0, 3);
  return [
    `${clients.length - waiting.length} streaming, ${waiting.length} not`,
    `refused: ${[...refused].map(([s, n]) => `${s} x${n}`).join(', ') || 'never'}`,
    `last reasons: ${reasons.join('; ') || 'none'}`,
  ].join('; ');
}
