import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_RATE_LIMITS } from '@vexil/testkit';

const MAIN = fileURLToPath(new URL('../../../../apps/cli/dist/src/main.js', import.meta.url));

export interface VexilProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminToken: string;
  stop(): Promise<void>;
}

/** Runs `vexil start` on a free loopback port with a fresh data dir; resolves after its banner. */
export async function startVexil(extraArgs: readonly string[] = []): Promise<VexilProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vexil-bench-'));
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'start',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'warn',
      // Every client of a benchmark comes from 127.0.0.1: per-address limits would measure
      // themselves, not delivery.
      ...NO_RATE_LIMITS,
      ...extraArgs,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8');
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('vexil start printed no banner within 30 s')),
      30_000,
    );
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (/^Try: /m.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`vexil start exited with ${String(code)}`)));
  });
  const url = /^\s*URL\s+(http\S+)$/m.exec(banner)?.[1];
  const adminToken = /^\s*Admin token\s+(\S+)/m.exec(banner)?.[1];
  if (url === undefined || adminToken === undefined)
    throw new Error(`unexpected banner:\n${banner}`);
  return {
    child,
    url,
    adminToken,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
