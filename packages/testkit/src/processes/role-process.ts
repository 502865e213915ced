import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';

// A Vexil role (`vexil origin`, `vexil edge`, `vexil start`) as a real process of the built CLI:
// spawned, awaited on its banner (the `URL` line), signalled by PID (SIGKILL, SIGTERM, SIGSTOP,
// SIGCONT) and restarted on the same port. Each role runs in its own process group, so that a
// multi-process edge (a primary and its workers) is killed or paused as one node, the way a
// machine or container fails. Every group still alive when the test process exits is killed,
// even if an `after` hook never ran.

/** The built CLI, `apps/cli/dist/src/main.js`, from this file's place in the repository. */
export const VEXIL_MAIN = fileURLToPath(
  new URL('../../../../../apps/cli/dist/src/main.js', import.meta.url),
);

/**
 * `vexil` flags that turn every rate limit off (docs/operations.md, "Rate limits"), for
 * harnesses whose thousands of SDK clients, writers and failed-key probes all come from
 * 127.0.0.1: one address standing for a fleet of hosts, which the per-address limits would
 * rightly throttle.
 */
export const NO_RATE_LIMITS: readonly string[] = [
  '--rate-limit-api',
  'off',
  '--rate-limit-api-address',
  'off',
  '--rate-limit-sdk',
  'off',
  '--rate-limit-auth-failures',
  'off',
];

const alive = new Set<ChildProcess>();
reapOnExit(() => {
  for (const child of alive) killGroup(child.pid, 'SIGKILL');
});

/** Signals the process group led by `pid` (the role and any workers it forked). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/** Output kept per process: enough for the logs of a test, bounded for a long benchmark. */
const MAX_OUTPUT = 4 * 1024 * 1024;

export interface RoleOptions {
  /** `origin`, `edge` or `start`, then its options; `--port` is managed by the helper. */
  readonly args: readonly string[];
  /** A label for messages, e.g. `edge-2`. */
  readonly name: string;
  /** Added to the environment; the test's own VEXIL_* variables are not inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** Port to bind (default 0: any free port; a restart reuses the port it got). */
  readonly port?: number;
  readonly startTimeoutMs?: number;
  readonly main?: string;
}

export interface RoleExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One structured log line of a role (pino JSON on stdout). */
export interface RoleLogLine {
  readonly level: number;
  readonly time: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VEXIL_')) env[k] = v;
  return { ...env, VEXIL_BUS_NAMESPACE: testBusNamespace(), ...extra };
}

export class RoleProcess {
  private child: ChildProcess | undefined;
  private out = '';
  private exit: Promise<RoleExit> = Promise.resolve({ code: null, signal: null });
  private port: number;
  private address: string | undefined;

  private constructor(readonly options: RoleOptions) {
    this.port = options.port ?? 0;
  }

  /** Spawns the role and resolves once it printed its banner. */
  static async start(options: RoleOptions): Promise<RoleProcess> {
    const role = new RoleProcess(options);
    await role.spawn();
    return role;
  }

  get name(): string {
    return this.options.name;
  }

  /** The base URL from the banner (the same across restarts). */
  get url(): string {
    if (this.address === undefined) throw new Error(`${this.name} has not started`);
    return this.address;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Resolves when the current process exits. */
  get exited(): Promise<RoleExit> {
    return this.exit;
  }

  /** Everything the process printed (stdout and stderr, all of its lifetimes), bounded. */
  output(): string {
    return this.out;
  }

  /** The structured log lines printed so far. */
  logs(): RoleLogLine[] {
    const lines: RoleLogLine[] = [];
    for (const line of this.out.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as RoleLogLine);
      } catch {
        // a line cut by the output bound
      }
    }
    return lines;
  }

  private append(text: string): void {
    this.out += text;
    if (this.out.length > MAX_OUTPUT) this.out = this.out.slice(-MAX_OUTPUT / 2);
  }

  private async spawn(): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.name} is already running`);
    const { args, env = {}, main = VEXIL_MAIN, startTimeoutMs = 30_000 } = this.options;
    const child = spawn(process.execPath, [main, ...args, '--port', String(this.port)], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    alive.add(child);
    const from = this.out.length;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.append(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.append(d));
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        alive.delete(child);
        // Workers outlive a primary that was killed alone; they are part of the node.
        killGroup(child.pid, 'SIGKILL');
        if (this.child === child) this.child = undefined;
        resolve({ code, signal });
      }),
    );
    let url: string | undefined;
    try {
      await until(
        `${this.name} to print its banner`,
        () => {
          if (this.child !== child)
            throw new Error(`${this.name} exited before its banner:\n${this.out.slice(from)}`);
          url = /^\s*URL\s+(http\S+)$/m.exec(this.out.slice(from))?.[1];
          return url !== undefined;
        },
        startTimeoutMs,
      );
    } catch (e) {
      killGroup(child.pid, 'SIGKILL');
      throw e;
    }
    this.address = url!;
    this.port = Number(new URL(url!).port);
  }

  /** Polls `GET /readyz` until it answers 200. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    let last: unknown;
    try {
      await until(
        `${this.name} to be ready`,
        async () => {
          const { status, body } = await this.readiness();
          last = body;
          return status === 200;
        },
        timeoutMs,
        50,
      );
    } catch (e) {
      const tail = this.out.split('\n').slice(-15).join('\n');
      throw new Error(
        `${(e as Error).message}; /readyz said ${JSON.stringify(last)}; last output:\n${tail}`,
        { cause: e },
      );
    }
  }

  /** Whether `GET /readyz` answers 200 now. */
  async ready(): Promise<boolean> {
    return (await this.readiness()).status === 200;
  }

  /** `GET /readyz`: its status and body, or status 0 when nothing answers in time. */
  async readiness(timeoutMs = 1_000): Promise<{ status: number; body: unknown }> {
    try {
      const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.status, body: await res.json() };
    } catch {
      return { status: 0, body: undefined };
    }
  }

  /**
   * Sends a signal to the whole node (the process group): SIGKILL, or SIGSTOP and SIGCONT to
   * pause and resume it. SIGTERM goes to `stop`, which signals the role's main process only
   * (a multi-process edge passes it on to its workers itself).
   */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running`);
    killGroup(pid, signal);
  }

  /**
   * Ends the process with `signal` (SIGTERM: a graceful shutdown) and resolves with how it
   * exited; SIGKILL if it is still running after `timeoutMs`.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<RoleExit> {
    const child = this.child;
    if (child === undefined) return this.exit;
    const exited = this.exit;
    if (signal === 'SIGKILL') {
      killGroup(child.pid, 'SIGKILL');
    } else {
      killGroup(child.pid, 'SIGCONT');
      process.kill(child.pid!, signal);
    }
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the role again with the same options on the same port, after it has exited. */
  async restart(): Promise<void> {
    if (this.child !== undefined) await this.stop();
    await this.spawn();
  }

  /** Synchronous SIGKILL, for `after` hooks: whatever is still running. */
  killNow(): void {
    killGroup(this.child?.pid, 'SIGKILL');
  }
}

/**
 * The NATS namespace (`VEXIL_BUS_NAMESPACE`) of the roles a test file starts: named after the
 * file, so that test files running at once on one NATS server never see each other's directory
 * or changes, while the streams one file creates are reused by its next run.
 */
export function testBusNamespace(): string {
  const file = basename(process.argv[1] ?? 'test').replace(/\.test\.[cm]?js$|\.[cm]?js$/, '');
  return `test-${file.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`.slice(0, 64);
}
