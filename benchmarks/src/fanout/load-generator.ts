import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.js';
import { sleep, start, stop } from './processes.js';

// The driver's side of benchmarks/native/loadgen.c: builds it, runs several processes of it
// (each well under the 20,000 open files a process may hold here) and sums what they report.

const NATIVE = fileURLToPath(new URL('../../../native/', import.meta.url));
const SOURCE = `${NATIVE}loadgen.c`;
const BINARY = `${NATIVE}build/loadgen`;

/** Streams per load-generator process: below the file limit, with room for the process itself. */
export const STREAMS_PER_PROCESS = 15_000;

/** Compiles the load generator when the binary is missing or older than its source. */
export function buildLoadGenerator(): string {
  const built = (() => {
    try {
      return statSync(BINARY).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built < statSync(SOURCE).mtimeMs) {
    mkdirSync(`${NATIVE}build`, { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', BINARY, SOURCE], { stdio: 'inherit' });
  }
  return BINARY;
}

export interface StreamRequest {
  readonly port: number;
  readonly path: string;
  readonly headers: readonly string[];
}

export interface LoadOptions {
  /** Streams to open, spread over the requests in turn (one group of processes per request). */
  readonly streams: number;
  readonly requests: readonly StreamRequest[];
  /** Connections being set up at once, over all processes (keep below the server's backlog). */
  readonly connectWindow: number;
  readonly reconnect: boolean;
  readonly maxMarkers: number;
  readonly maxSeconds: number;
  /** How often each process reports its counters, ms (default 100); waitFor polls at half. */
  readonly statusMs?: number;
}

/** One status line's counters (see print_status in loadgen.c), summed over processes. */
export interface LoadStatus {
  target: number;
  started: number;
  est: number;
  synced: number;
  puts: number;
  refused: number;
  errors: number;
  eof: number;
  open: number;
  connecting: number;
  reconnects: number;
  resynced: number;
  untracked: number;
  firstConnectUs: number;
  lastEstUs: number;
  lastSyncUs: number;
  /** The latest first byte of an initial payload: when the last stream counted as connected. */
  lastBodyUs: number;
  /** Requests whose connection ended before any response byte (a reset, not an answer). */
  unanswered: number;
}

interface Worker {
  readonly child: ChildProcess;
  status: Record<string, string>;
  dump?: { lines: string[]; done: () => void } | undefined;
}

export class LoadGenerator {
  private constructor(
    private readonly workers: Worker[],
    private readonly pollMs: number,
  ) {}

  static start(options: LoadOptions): LoadGenerator {
    const binary = buildLoadGenerator();
    const perRequest = Math.ceil(options.streams / options.requests.length);
    const workers: Worker[] = [];
    const plan: { request: StreamRequest; conns: number }[] = [];
    options.requests.forEach((request, r) => {
      const streams = Math.min(perRequest, options.streams - r * perRequest);
      const processes = Math.ceil(streams / STREAMS_PER_PROCESS);
      for (let p = 0; p < processes; p++) {
        const extra = p < streams % processes ? 1 : 0;
        plan.push({ request, conns: Math.floor(streams / processes) + extra });
      }
    });
    const window = Math.max(1, Math.floor(options.connectWindow / plan.length));
    plan.forEach(({ request, conns }, i) => {
      const args = [
        '--port',
        String(request.port),
        '--path',
        request.path,
        ...request.headers.flatMap((h) => ['--header', h]),
        '--conns',
        String(conns),
        '--src-offset',
        String(i * 7),
        '--max-connecting',
        String(window),
        '--max-markers',
        String(options.maxMarkers),
        '--max-seconds',
        String(options.maxSeconds),
        '--status-ms',
        String(options.statusMs ?? 100),
        ...(options.reconnect ? ['--reconnect'] : []),
      ];
      const child = start(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      const worker: Worker = { child, status: {} };
      createInterface({ input: child.stdout! }).on('line', (line) => onLine(worker, line));
      workers.push(worker);
    });
    return new LoadGenerator(workers, Math.max(1, Math.floor((options.statusMs ?? 100) / 2)));
  }

  get processes(): number {
    return this.workers.length;
  }

  pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  status(): LoadStatus {
    const sum = (key: string) => this.workers.reduce((s, w) => s + Number(w.status[key] ?? 0), 0);
    const times = (key: string) =>
      this.workers.map((w) => Number(w.status[key] ?? 0)).filter((t) => t > 0);
    return {
      target: sum('target'),
      started: sum('started'),
      est: sum('est'),
      synced: sum('synced'),
      puts: sum('puts'),
      refused: sum('refused'),
      errors: sum('errors'),
      eof: sum('eof'),
      open: sum('open'),
      connecting: sum('connecting'),
      reconnects: sum('reconnects'),
      resynced: sum('resynced'),
      untracked: sum('untracked'),
      firstConnectUs: Math.min(...times('first_connect_us')),
      lastEstUs: Math.max(0, ...times('last_est_us')),
      lastSyncUs: Math.max(0, ...times('last_sync_us')),
      lastBodyUs: Math.max(0, ...times('last_body_us')),
      unanswered: sum('unanswered'),
    };
  }

  /**
   * Deliveries of `marker` so far, or undefined while some process has not yet reported it
   * (each reports the marker it was told last).
   */
  markerCount(marker: number): number | undefined {
    let count = 0;
    for (const w of this.workers) {
      const [id, n] = (w.status['mk'] ?? '-1:0').split(':');
      if (Number(id) !== marker) return undefined;
      count += Number(n);
    }
    return count;
  }

  /** Announces the wall-clock µs at which a change carrying `marker` was sent. */
  tell(marker: number, sentUs: number): void {
    for (const w of this.workers) w.child.stdin!.write(`T ${marker} ${sentUs}\n`);
  }

  /** Waits until `done(status)` holds (checked every `pollMs`); false after `timeoutMs`. */
  async waitFor(done: (s: LoadStatus) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.workers.some((w) => w.child.exitCode !== null))
        throw new Error('a load-generator process exited early');
      const reported = this.workers.every((w) => w.status['t'] !== undefined);
      if (reported && done(this.status())) return true;
      if (Date.now() > deadline) return false;
      await sleep(this.pollMs);
    }
  }

  /** Per-marker latency histograms (µs from the announced send time), merged over processes. */
  async histograms(): Promise<{ byMarker: Map<number, Histogram>; unannounced: number }> {
    const byMarker = new Map<number, Histogram>();
    let unannounced = 0;
    const dumps = await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<string[]>((resolve) => {
            const lines: string[] = [];
            w.dump = { lines, done: () => resolve(lines) };
            w.child.stdin!.write('D\n');
          }),
      ),
    );
    for (const line of dumps.flat()) {
      const [kind, marker, ...rest] = line.split(' ');
      if (kind === 'P') unannounced += Number(rest[0]);
      if (kind !== 'H') continue;
      let h = byMarker.get(Number(marker));
      if (h === undefined) byMarker.set(Number(marker), (h = new Histogram()));
      h.addLine(rest);
    }
    return { byMarker, unannounced };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode === null) w.child.stdin!.end('Q\n');
        const timer = setTimeout(() => void stop(w.child, 'SIGKILL'), 10_000);
        if (w.child.exitCode === null)
          await new Promise((resolve) => w.child.once('exit', resolve));
        clearTimeout(timer);
      }),
    );
  }
}

function onLine(worker: Worker, line: string): void {
  if (worker.dump !== undefined) {
    if (line === 'E') {
      const { done } = worker.dump;
      worker.dump = undefined;
      done();
    } else if (line.startsWith('H ') || line.startsWith('P ')) {
      worker.dump.lines.push(line);
      return;
    }
  }
  if (!line.startsWith('S ')) return;
  const status: Record<string, string> = {};
  for (const pair of line.slice(2).split(' ')) {
    const eq = pair.indexOf('=');
    status[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  worker.status = status;
}
