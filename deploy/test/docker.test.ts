import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import {
  dockerignorePatterns,
  execForm,
  ignored,
  parseDockerfile,
  type Stage,
} from './support/dockerfile.js';
import { asRecord, isObject, readText, repoPath } from './support/repo.js';

// deploy/docker/Dockerfile and the root .dockerignore, checked for structure (no Docker engine
// runs here), and the image's health check run against real servers.

const dockerfile = parseDockerfile(readText(repoPath('deploy', 'docker', 'Dockerfile')));
const ignore = dockerignorePatterns(readText(repoPath('.dockerignore')));

function stage(name: string): Stage {
  const s = dockerfile.stages.find((x) => x.name === name);
  assert.ok(s, `a stage named ${name}`);
  return s;
}
function args(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** @vexil/* packages that @vexil/cli needs at run time, transitively, as workspace folders. */
function runtimeWorkspaces(): string[] {
  const folders = new Map<string, string>();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(repoPath(group))) {
      const path = repoPath(group, name, 'package.json');
      if (!existsSync(path)) continue;
      const manifest: unknown = JSON.parse(readText(path));
      if (isObject(manifest)) folders.set(String(manifest['name']), `${group}/${name}`);
    }
  }
  const needed = new Set<string>();
  const visit = (pkg: string) => {
    if (needed.has(pkg)) return;
    needed.add(pkg);
    const manifest: unknown = JSON.parse(readText(repoPath(folders.get(pkg)!, 'package.json')));
    const deps = isObject(manifest) ? asRecord(manifest['dependencies']) : {};
    for (const dep of Object.keys(deps)) if (folders.has(dep)) visit(dep);
  };
  visit('@vexil/cli');
  return [...needed].map((p) => folders.get(p)!).sort();
}

describe('container image', () => {
  test('multi-stage on node:24-bookworm-slim; npm ci and tsc -b in the build stage', () => {
    assert.ok(dockerfile.stages.length >= 2);
    for (const s of dockerfile.stages)
      assert.equal(s.from, 'node:24-bookworm-slim', `stage ${s.name ?? '?'}`);
    const build = stage('build');
    const runs = args(build, 'RUN').join('\n');
    assert.match(runs, /\bnpm ci\b/);
    assert.match(runs, /\bnpx tsc -b apps\/cli\b/);
    assert.match(runs, /node apps\/dashboard\/scripts\/build\.mjs/, 'the dashboard is built');
    assert.match(
      runs,
      /cp -a apps\/dashboard\/dist\/web \/out\/apps\/dashboard\/dist\/web/,
      'and shipped',
    );
    assert.match(runs, /\bnpm prune --omit=dev\b/);
    // npm ci runs on the manifests and the lockfile alone (cached until a dependency changes).
    const ci = build.instructions.findIndex((i) => i.keyword === 'RUN' && /npm ci/.test(i.args));
    const copySources = build.instructions.findIndex(
      (i) => i.keyword === 'COPY' && i.args === '. .',
    );
    assert.ok(ci >= 0 && copySources > ci, 'sources are copied after npm ci');
  });

  test('the runtime stage: only the build output, a non-root user, the vexil entrypoint, a health check', () => {
    const runtime = dockerfile.stages[dockerfile.stages.length - 1]!;
    assert.equal(runtime.name, 'runtime');
    const copies = args(runtime, 'COPY');
    assert.deepEqual(copies, ['--from=build /out/ ./'], 'nothing from the build context itself');
    assert.ok(
      !args(runtime, 'RUN').some((r) => /\bnpm\b|apt-get install/.test(r)),
      'no installs at run time',
    );
    const user = args(runtime, 'USER');
    assert.equal(user.length, 1);
    assert.match(
      user[0]!,
      /^[1-9]\d*:[1-9]\d*$/,
      'a numeric non-root uid:gid (runAsNonRoot can check it)',
    );
    assert.deepEqual(execForm(args(runtime, 'ENTRYPOINT')[0] ?? ''), [
      'node',
      'apps/cli/dist/src/main.js',
    ]);
    assert.deepEqual(execForm(args(runtime, 'CMD')[0] ?? ''), ['start']);
    const env = args(runtime, 'ENV').join(' ');
    assert.match(env, /VEXIL_HOST=0\.0\.0\.0/, 'reachable from outside the container');
    assert.match(env, /NODE_ENV=production/);
    assert.deepEqual(args(runtime, 'EXPOSE'), ['8080 8030']);
    const health = args(runtime, 'HEALTHCHECK');
    assert.equal(health.length, 1);
    const cmd = /^(?:--\S+\s+)*CMD\s+(.*)$/.exec(health[0]!)?.[1] ?? '';
    assert.deepEqual(execForm(cmd), ['node', '/app/healthcheck.mjs']);
    assert.deepEqual(args(runtime, 'WORKDIR'), ['/app']);
    // The file the health check runs is put into /out by the build stage.
    assert.match(
      args(stage('build'), 'RUN').join('\n'),
      /cp deploy\/docker\/healthcheck\.mjs \/out\/healthcheck\.mjs/,
    );
  });

  test('the runtime copies exactly the workspaces @vexil/cli depends on', () => {
    const runs = args(stage('build'), 'RUN').join('\n');
    const loop = /for ws in ([^;]+);/.exec(runs)?.[1]?.trim().split(/\s+/) ?? [];
    assert.deepEqual([...loop].sort(), runtimeWorkspaces());
  });

  test('.dockerignore keeps host builds out and what the build reads in', () => {
    for (const path of [
      'node_modules',
      'packages/store/node_modules',
      'apps/cli/dist',
      'packages/bus/dist/src.tsbuildinfo',
      '.git',
    ]) {
      assert.ok(ignored(ignore, path), `${path} is ignored`);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'tsconfig.json',
      'apps/cli/src/main.ts',
      'apps/cli/package.json',
      'apps/cli/bin/vexil.mjs',
      'packages/store/src/index.ts',
      'deploy/docker/healthcheck.mjs',
      'deploy/package.json',
      'system-tests/package.json',
      'benchmarks/package.json',
    ]) {
      assert.ok(!ignored(ignore, path), `${path} is in the context`);
    }
    // Every workspace's manifest reaches `npm ci` (the lockfile lists them all).
    const manifest: unknown = JSON.parse(readText(repoPath('package.json')));
    const workspaces =
      isObject(manifest) && Array.isArray(manifest['workspaces'])
        ? manifest['workspaces'].map(String)
        : [];
    for (const ws of workspaces)
      assert.ok(!ignored(ignore, `${ws.replace('/*', '/x')}/package.json`), ws);
  });

  describe('healthcheck.mjs', () => {
    const script = repoPath('deploy', 'docker', 'healthcheck.mjs');
    const listen = (status: number) =>
      new Promise<Server>((resolve) => {
        const server = createServer((req, res) => {
          res.statusCode = req.url === '/healthz' ? status : 404;
          res.end();
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    const check = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [script], {
          env: { PATH: process.env['PATH'] ?? '', ...env },
          stdio: 'ignore',
        });
        child.on('exit', (code) => resolve(code));
      });
    const portOf = (s: Server) => String((s.address() as AddressInfo).port);

    test('healthy when /healthz answers 200 on VEXIL_PORT', async () => {
      const server = await listen(200);
      try {
        assert.equal(await check({ VEXIL_PORT: portOf(server), VEXIL_HOST: '0.0.0.0' }), 0);
      } finally {
        server.close();
      }
    });

    test('unhealthy on another status or when nothing listens', async () => {
      const server = await listen(503);
      const port = portOf(server);
      try {
        assert.equal(await check({ VEXIL_PORT: port }), 1);
      } finally {
        server.close();
      }
      assert.equal(await check({ VEXIL_PORT: port, VEXIL_HOST: '127.0.0.1' }), 1);
    });
  });
});
