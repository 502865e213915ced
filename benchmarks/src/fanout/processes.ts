import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

// Every process the benchmark starts is registered here, so that it is stopped by its PID at the
// end, on an error and on Ctrl-C. Resource figures come from /proc: RSS from statm, CPU from the
// utime+stime fields of stat.

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const PAGE = 4096;
const TICKS_PER_SECOND = 100;

let stopping = false;

export function start(command: string, args: readonly string[], options: SpawnOptions = {}) {
  // After Ctrl-C, a run still in flight must not leave a new process behind.
  if (stopping) throw new Error(`stopping: ${command} not started`);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Waits until `pattern` appears in the child's stdout; rejects on exit or after `timeoutMs`. */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) finish(() => resolve(out));
    };
    const onErr = (d: Buffer) => (err = (err + d.toString()).slice(-4000));
    const onExit = (code: number | null) =>
      finish(() => reject(new Error(`${what} exited (${String(code)}):\n${out}${err}`)));
    const timer = setTimeout(
      () =>
        finish(() => reject(new Error(`${what}: no "${pattern.source}" within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      settle();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

/** After its banner: the child's logs go to our stderr (or are drained, so it never blocks). */
export function passThrough(child: ChildProcess, show: boolean): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    if (show) stream.pipe(process.stderr, { end: false });
    else stream.resume();
  }
}

/** Stops one process and the descendants it leaves behind (cluster workers), by PID. */
export async function stop(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const descendants = descendantsOf(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  for (const pid of descendants) killQuietly(pid, 'SIGKILL');
}

/** A directory to delete when everything stops (also on Ctrl-C). */
export function removeAtExit(dir: string): void {
  dirs.add(dir);
}

/**
 * Newest first: the load generators go before the servers, so that an edge has no streams left
 * to drain when it is told to stop.
 */
export async function stopAll(): Promise<void> {
  stopping = true;
  for (const child of [...children].reverse()) await stop(child);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Ctrl-C and SIGTERM stop everything this benchmark started, then exit. */
export function installCleanup(): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`\n${signal}: stopping the processes this benchmark started...\n`);
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** All live descendants of `pid` (children of children too), from the ppid field of /proc. */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = statFields(Number(entry))?.[1];
    if (ppid !== undefined) parentOf.set(Number(entry), Number(ppid));
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/** Live processes whose command name (/proc/<pid>/comm) is `name`, e.g. every PostgreSQL backend. */
export function processesNamed(name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) out.push(Number(entry));
    } catch {
      // exited
    }
  }
  return out;
}

/** Resident memory of these processes, summed, in bytes. */
export function rssBytes(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
    } catch {
      // exited
    }
  }
  return sum;
}

/** CPU time (user + system) used so far by these processes, summed, in seconds. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    // utime and stime are fields 14 and 15 of stat; f starts at field 3.
    if (f !== undefined) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Wall-clock microseconds, comparable with the load generator's CLOCK_REALTIME stamps. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { freePort } from '@vexil/testkit';
