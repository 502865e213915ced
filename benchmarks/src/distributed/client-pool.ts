import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Arrival } from './stream-set.js';

// The streams of the benchmark spread over a few client processes, so that reading N sockets is
// not one event loop's queue: the parent arms every process for a change, sends the write, and
// merges their first and last arrivals (monotonic clock, shared by the processes of a machine).

export type ToWorker =
  | { type: 'start'; sdkKey: string; endpoints: string[]; count: number; offset: number }
  | { type: 'expect'; id: number; key: string; after: number; timeoutMs: number }
  | { type: 'version'; id: number; key: string }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'armed'; id: number }
  | ({ type: 'arrived'; id: number } & Arrival)
  | { type: 'version'; id: number; version: number }
  | { type: 'stopped'; violations: number; reconnects: number }
  | { type: 'error'; message: string };

const WORKER = fileURLToPath(new URL('./stream-worker.js', import.meta.url));

export class ClientPool {
  private readonly workers: ChildProcess[];
  private nextId = 0;

  constructor(processes: number) {
    this.workers = Array.from({ length: processes }, () => fork(WORKER, [], { stdio: 'inherit' }));
  }

  /** Sends `message` to every worker and collects the first reply of each that `accept` takes. */
  private all<T extends FromWorker>(
    message: ToWorker | ((index: number) => ToWorker),
    accept: (reply: FromWorker) => reply is T,
  ): Promise<T[]> {
    return Promise.all(
      this.workers.map(
        (worker, i) =>
          new Promise<T>((resolve, reject) => {
            const onMessage = (reply: FromWorker) => {
              if (reply.type === 'error') {
                worker.off('message', onMessage);
                reject(new Error(`client process ${i}: ${reply.message}`));
              } else if (accept(reply)) {
                worker.off('message', onMessage);
                resolve(reply);
              }
            };
            worker.on('message', onMessage);
            worker.send(typeof message === 'function' ? message(i) : message);
          }),
      ),
    );
  }

  async start(sdkKey: string, endpoints: string[], streams: number): Promise<void> {
    const share = Math.ceil(streams / this.workers.length);
    await this.all(
      (i) => ({
        type: 'start',
        sdkKey,
        endpoints,
        offset: i * share,
        count: Math.max(0, Math.min(share, streams - i * share)),
      }),
      (r): r is Extract<FromWorker, { type: 'ready' }> => r.type === 'ready',
    );
  }

  /** The lowest version of `key` any stream holds. */
  async version(key: string): Promise<number> {
    const id = this.nextId++;
    const replies = await this.all(
      { type: 'version', id, key },
      (r): r is Extract<FromWorker, { type: 'version' }> => r.type === 'version' && r.id === id,
    );
    return Math.min(...replies.map((r) => r.version));
  }

  /**
   * Arms every process for a change of `key` above `after`; resolves once all are armed, with
   * the promise of the merged arrival (first of the firsts, last of the lasts). Wrapped in an
   * object: an async function returning a promise would wait for it.
   */
  async expect(
    key: string,
    after: number,
    timeoutMs: number,
  ): Promise<{ arrival: Promise<Arrival> }> {
    const id = this.nextId++;
    const arrived = this.all(
      { type: 'expect', id, key, after, timeoutMs },
      (r): r is Extract<FromWorker, { type: 'arrived' }> => r.type === 'arrived' && r.id === id,
    );
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const onMessage = (reply: FromWorker) => {
              if (reply.type === 'armed' && reply.id === id) {
                worker.off('message', onMessage);
                resolve();
              }
            };
            worker.on('message', onMessage);
          }),
      ),
    );
    const arrival = arrived.then((replies) => ({
      first: Math.min(...replies.map((r) => r.first)),
      last: Math.max(...replies.map((r) => r.last)),
    }));
    // Awaited only after the write is sent; a timeout before that is still reported there.
    arrival.catch(() => undefined);
    return { arrival };
  }

  async stop(): Promise<{ violations: number; reconnects: number }> {
    const replies = await this.all(
      { type: 'stop' },
      (r): r is Extract<FromWorker, { type: 'stopped' }> => r.type === 'stopped',
    );
    return {
      violations: replies.reduce((n, r) => n + r.violations, 0),
      reconnects: replies.reduce((n, r) => n + r.reconnects, 0),
    };
  }

  /** For `finally`: whatever is still running. */
  kill(): void {
    for (const worker of this.workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  }
}
