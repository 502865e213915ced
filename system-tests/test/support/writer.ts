import { setTimeout as delay } from 'node:timers/promises';
import type { AdminApi } from '@vexil/testkit';

// Writes through the REST API while faults happen, the way an operator's tooling would: each
// write is retried until the API accepts it (connection refused or 5xx while the origin
// restarts). Flags are split between workers so that each flag's writes are sequential; a
// retried write that had in fact committed is harmless (PATCH sets values, a repeated POST
// answers 409, a repeated DELETE 404). The expected final state is what the API reports at
// the end, not what the writer thinks it wrote.

export interface WriterOptions {
  readonly api: AdminApi;
  readonly projectKey: string;
  readonly environmentKey: string;
  readonly flagKeys: readonly string[];
  /** Parallel workers, each owning every n-th flag (default 4). */
  readonly concurrency?: number;
  /**
   * Pause between two writes of a worker (default 50 ms): a steady rate of a few dozen writes a
   * second, far above what a control plane sees, without making a 10 s outage's backlog a
   * benchmark of this process's event parsing.
   */
  readonly pauseMs?: number;
  /** Share of writes that delete a live flag; a deleted flag is created again on its next turn. */
  readonly deleteShare?: number;
  /** A write still failing after this long fails the writer (default 60 s). */
  readonly retryForMs?: number;
  /** Flags deleted and not created again yet; shared by the writers of one deployment. */
  readonly deleted?: Set<string>;
}

export interface WriterStats {
  /** Writes the API accepted. */
  completed: number;
  /** Attempts that failed and were retried, by cause (`ECONNREFUSED`, `503`...). */
  retried: Record<string, number>;
  /** Longest time from the first attempt of a write to its success, ms. */
  slowestMs: number;
  /** Completion times (Date.now()) of accepted writes, for "writes succeeded during X". */
  completedAt: number[];
}

type Op = { method: string; path: string; body?: unknown; ok: readonly number[] };

export class Writer {
  readonly stats: WriterStats = { completed: 0, retried: {}, slowestMs: 0, completedAt: [] };
  private readonly stopping = new AbortController();
  private abandoned = false;
  private workers: Promise<void>[] = [];
  private counter = 0;
  private failure: Error | undefined;

  private readonly deleted: Set<string>;

  constructor(private readonly options: WriterOptions) {
    this.deleted = options.deleted ?? new Set();
  }

  start(): this {
    const { concurrency = 4 } = this.options;
    this.workers = Array.from({ length: concurrency }, (_, w) => this.work(w, concurrency));
    return this;
  }

  /**
   * Lets in-flight writes finish (retrying as needed), then resolves; throws if a write never
   * succeeded. `abandon` gives up on retries at once: for `after` hooks, whose origin is gone.
   */
  async stop(options: { abandon?: boolean } = {}): Promise<WriterStats> {
    this.abandoned ||= options.abandon === true;
    this.stopping.abort();
    await Promise.all(this.workers);
    if (this.failure !== undefined) throw this.failure;
    return this.stats;
  }

  /** Accepted writes so far. */
  get completed(): number {
    return this.stats.completed;
  }

  private async work(worker: number, concurrency: number): Promise<void> {
    const { pauseMs = 50 } = this.options;
    const keys = this.options.flagKeys.filter((_, i) => i % concurrency === worker);
    for (let turn = 0; !this.stopping.signal.aborted && keys.length > 0; turn++) {
      const key = keys[(turn * 7 + worker) % keys.length]!;
      try {
        await this.write(key);
      } catch (e) {
        this.failure ??= e as Error;
        return;
      }
      if (pauseMs > 0) await delay(pauseMs);
    }
  }

  private nextOp(key: string): Op {
    const { projectKey, environmentKey, deleteShare = 0.03 } = this.options;
    const path = `/api/v1/projects/${projectKey}/flags`;
    const n = ++this.counter;
    if (this.deleted.has(key)) {
      this.deleted.delete(key);
      return {
        method: 'POST',
        path,
        body: { key, variations: [{ value: true }, { value: false }] },
        ok: [201, 409],
      };
    }
    if (Math.random() < deleteShare) {
      this.deleted.add(key);
      return { method: 'DELETE', path: `${path}/${key}`, ok: [204, 404] };
    }
    const env = `/environments/${environmentKey}`;
    return {
      method: 'PATCH',
      path: `${path}/${key}`,
      body: [
        { op: 'replace', path: `${env}/on`, value: n % 3 !== 0 },
        { op: 'replace', path: `${env}/fallthrough`, value: { variation: n % 2 } },
        { op: 'replace', path: `${env}/salt`, value: `w${n}` },
      ],
      ok: [200],
    };
  }

  private async write(key: string): Promise<void> {
    const op = this.nextOp(key);
    const { retryForMs = 60_000 } = this.options;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let cause: string;
      try {
        const res = await this.options.api.call(op.method, op.path, op.body, { timeoutMs: 10_000 });
        if (op.ok.includes(res.status)) break;
        if (res.status < 500 && res.status !== 429)
          throw new Error(
            `${op.method} ${op.path} answered ${res.status}: ${JSON.stringify(res.body)}`,
          );
        cause = String(res.status);
      } catch (e) {
        if (!(e instanceof TypeError) && (e as Error).name !== 'TimeoutError') throw e;
        const err = e as Error & { cause?: { code?: string } };
        cause = err.cause?.code ?? err.name;
      }
      this.stats.retried[cause] = (this.stats.retried[cause] ?? 0) + 1;
      if (this.abandoned) throw new Error(`${op.method} ${op.path} abandoned (${cause})`);
      if (Date.now() - started > retryForMs)
        throw new Error(`${op.method} ${op.path} still failing after ${retryForMs} ms (${cause})`);
      await delay(Math.min(1_000, 50 * 2 ** attempt));
    }
    this.stats.completed++;
    this.stats.completedAt.push(Date.now());
    this.stats.slowestMs = Math.max(this.stats.slowestMs, Date.now() - started);
  }
}
