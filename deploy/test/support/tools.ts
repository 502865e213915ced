import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * External checkers the tests run: `promtool` (Debian's `prometheus` package, installed by
 * scripts/bootstrap.mjs), `nats-server` (Debian's `nats-server`) and `openssl`. Missing on a
 * laptop, a test is skipped with the reason; missing under CI=true, it fails.
 */
export interface Tool {
  readonly path: string | undefined;
  /** For `test(name, { skip: tool.skip }, ...)`: false when present. */
  readonly skip: string | false;
}

export function findTool(name: string, extraDirs: readonly string[] = []): Tool {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs];
  const path = dirs.map((dir) => join(dir, name)).find(isFile);
  if (path !== undefined) return { path, skip: false };
  const reason = `${name} is not installed (Debian: apt-get install ${debianPackage(name)})`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI needs it`);
  return { path: undefined, skip: reason };
}

function isFile(path: string): boolean {
  return existsSync(path);
}

function debianPackage(tool: string): string {
  return tool === 'promtool' ? 'prometheus' : tool;
}

export interface RunResult {
  readonly status: number | null;
  readonly output: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): RunResult {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
