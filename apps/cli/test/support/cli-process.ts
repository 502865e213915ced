import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built CLI as a real process: `vexil start` on port 0 with a temporary data directory,
// and one-shot admin commands. Waits are on output and exit events, each with a deadline.

export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const DEADLINE_MS = 20_000;

export type Env = Readonly<Record<string, string | undefined>>;

/** The test process's environment without VEXIL_* variables, plus `extra`. */
function childEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VEXIL_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vexil ...args` to completion (killed after the deadline). */
export function runCli(args: readonly string[], env: Env = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd === undefined ? {} : { cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vexil ${args.join(' ')} did not finish in ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminToken: string;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
  /** Env for admin commands against this server. */
  readonly clientEnv: Env;
}

/** Starts `vexil start --port <port> --data <dataDir>` (port 0: any free port) and waits for its banner. */
export async function startServer(
  dataDir: string,
  env: Env = {},
  port = 0,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [MAIN, 'start', '--port', String(port), '--data', dataDir],
    {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vexil start printed no banner in ${DEADLINE_MS} ms: ${stderr}`));
    }, DEADLINE_MS);
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (/^Try: .*$/m.test(stdout)) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vexil start exited (${String(code)}) before its banner: ${stderr}`));
    });
  });
  const url = /^\s*URL\s+(http\S+)$/m.exec(banner)?.[1];
  const adminToken = /^\s*Admin token\s+(\S+)/m.exec(banner)?.[1];
  if (url === undefined || adminToken === undefined) {
    child.kill('SIGKILL');
    throw new Error(`unexpected banner:\n${banner}`);
  }
  return {
    child,
    url,
    adminToken,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    clientEnv: { VEXIL_URL: url, VEXIL_TOKEN: adminToken },
  };
}

/** SIGTERM, then the exit code; SIGKILL if it has not exited by the deadline. */
export async function stopServer(
  server: ServerProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | string | null> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  const pid = server.child.pid!;
  process.kill(pid, signal);
  const timer = setTimeout(() => server.child.kill('SIGKILL'), DEADLINE_MS);
  try {
    return await server.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills by pid whatever is still running; for `after` hooks. */
export function killServer(server: ServerProcess | undefined): void {
  if (server === undefined || server.child.exitCode !== null || server.child.signalCode !== null)
    return;
  try {
    process.kill(server.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function tempDir(
  prefix = 'vexil-cli-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** fetch with a bearer token; the body parsed as JSON. */
/** A request to the server's REST API (`/api/v1` + `path`) with its admin token and a JSON body. */
export function adminRequest(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function fetchJson(
  url: string,
  token?: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** Parses a command's --json output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary API JSON
export function json(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${String(result.code)}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Asserts the shape every failure must have: exit code, one line on stderr, nothing on stdout. */
export function failureLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1 || !lines[0]!.startsWith('vexil: ')) {
    throw new Error(
      `expected one "vexil: ..." line on stderr, got ${JSON.stringify(result.stderr)}`,
    );
  }
  return lines[0]!;
}
