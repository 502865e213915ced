import { spawn, type ChildProcess } from 'node:child_process';
import { testBusNamespace } from '@vexil/testkit';
import { MAIN } from './cli-process.js';

// A server role of the CLI (`vexil origin`, `vexil edge`) as a real process: started with its
// arguments, ready once its banner shows the URL; stopped by PID.

export interface RoleProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRole(
  args: readonly string[],
  env: Record<string, string> = {},
  deadlineMs = 20_000,
): Promise<RoleProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: {
      ...process.env,
      VEXIL_LOG_LEVEL: 'warn',
      VEXIL_BUS_NAMESPACE: testBusNamespace(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`vexil ${args[0]} printed no URL in ${deadlineMs} ms: ${err}`)),
      deadlineMs,
    );
    const check = () => {
      const m = /^\s*URL\s+(http\S+)$/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`vexil ${args[0]} exited before its banner: ${err}`));
    });
  });
  return {
    child,
    url,
    stdout: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
