#!/usr/bin/env node
// `npm test`: build (tsc -b, which type-checks every package and its tests), lint, check
// formatting, then run every compiled test file with node's test runner.
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs --tests-only    skip lint and format checks
//   node scripts/test.mjs packages/store  only test files under these paths (after building)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, step as run } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const testsOnly = args.includes('--tests-only');
const filters = args.filter((a) => !a.startsWith('--'));

function findTests(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

// The suite runs on the Node the product runs on (package.json engines; `npm test` starts this
// script with the runtime scripts/bootstrap.mjs installed).
const wantedMajor = Number(
  /\d+/.exec(JSON.parse(readFileSync(join(root, 'package.json'))).engines.node),
);
if (Number(process.versions.node.split('.')[0]) < wantedMajor) {
  console.error(
    `tests need Node.js ${wantedMajor} (this is ${process.version}); run them with npm test`,
  );
  process.exit(1);
}
console.log(`node ${process.version} (${process.execPath})`);
build();
if (!testsOnly) {
  run('lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']);
  run('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
}

// `packages/*` and `apps/*` hold one package per directory; the others are a package each.
const workspaces = ['packages', 'apps', 'benchmarks', 'system-tests', 'deploy'];
const single = new Set(['benchmarks', 'system-tests', 'deploy']);
const files = [];
for (const ws of workspaces) {
  if (!existsSync(join(root, ws))) continue;
  const names = readdirSync(join(root, ws));
  const dirs = single.has(ws) ? [join(root, ws)] : names.map((n) => join(root, ws, n));
  for (const dir of dirs) {
    const testDir = join(dir, 'dist', 'test');
    try {
      if (statSync(testDir).isDirectory()) findTests(testDir, files);
    } catch {
      // a package without tests
    }
  }
}
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
run(`tests (${selected.length} files)`, process.execPath, [
  '--test',
  `--test-concurrency=${Math.max(2, availableParallelism())}`,
  '--test-timeout=600000',
  ...selected,
]);
