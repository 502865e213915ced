#!/usr/bin/env node
// `npm run build` (and the first step of `npm start`): compiles every package with `tsc -b`,
// which type-checks it and its tests, then builds the dashboard when its sources changed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a step with this Node (the project's runtime); exits with its status if it fails. */
export function step(label, command, args) {
  const started = Date.now();
  console.log(`\n== ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`== ${label} failed after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.log(`== ${label} ok (${seconds}s)`);
}

export function build() {
  step('build (tsc -b)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);
  step('build (dashboard)', process.execPath, [join(root, 'apps/dashboard/scripts/build.mjs')]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
