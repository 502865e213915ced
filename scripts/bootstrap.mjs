#!/usr/bin/env node
// Installs whatever a fresh clone is missing, so that `npm start` and `npm test` are the only
// two commands a developer or CI needs. Idempotent and quick when nothing changed: it compares a
// hash of every package manifest and the lockfile with the stamp written by the last install.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.vexil-bootstrap-stamp');

function manifestHash() {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = ['package.json', 'package-lock.json'];
  for (const ws of rootManifest.workspaces ?? []) {
    const dirs = ws.endsWith('/*')
      ? readdirSync(join(root, ws.slice(0, -2))).map((name) => join(ws.slice(0, -2), name))
      : [ws];
    for (const dir of dirs.sort()) files.push(join(dir, 'package.json'));
  }
  const hash = createHash('sha256');
  for (const file of files) {
    const path = join(root, file);
    hash.update(file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

const wanted = manifestHash();
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
if (current !== wanted) {
  const hasLock = existsSync(join(root, 'package-lock.json'));
  const args = hasLock ? ['ci'] : ['install'];
  console.log(`bootstrap: running npm ${args[0]} (dependencies missing or changed)`);
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stampFile, manifestHash());
}

// The browser tests drive Debian's Chromium (Playwright's own browser download cannot run on
// these machines). Installed once with apt-get; a no-op when it is already there.
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const apt = (...args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    console.log('bootstrap: installing chromium with apt-get (for the browser tests)');
    try {
      apt('install', '-y', '-q', 'chromium');
    } catch {
      // A fresh machine may have no package lists yet.
      apt('update', '-q');
      apt('install', '-y', '-q', 'chromium');
    }
  } catch (e) {
    console.warn(
      `bootstrap: could not install chromium (${e.message}); browser tests will not run`,
    );
  }
}

// The deploy tests check the Prometheus rules and the dashboard's queries with promtool, which
// Debian ships in its `prometheus` package (the server comes along; nothing starts it). Installed
// once with apt-get, about ten seconds; without it those checks are skipped, and fail under CI.
const PROMTOOL = '/usr/bin/promtool';
if (!existsSync(PROMTOOL)) {
  const apt = (...args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  const install = ['install', '-y', '-q', '--no-install-recommends', 'prometheus'];
  try {
    console.log('bootstrap: installing promtool with apt-get (for the deploy tests)');
    try {
      apt(...install);
    } catch {
      apt('update', '-q');
      apt(...install);
    }
  } catch (e) {
    console.warn(`bootstrap: could not install promtool (${e.message}); rule checks will skip`);
  }
}
