import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { find, renderKustomization } from './support/kustomize.js';
import { VEXIL_METRICS } from './support/metrics.js';
import { asRecord, deployDir, repoPath } from './support/repo.js';

// The ConfigMap's settings are ones the real `vexil origin` and `vexil edge` accept: each role
// starts with them (a bad value would exit 2 with a usage error), answers /healthz, reports
// readiness on /readyz as the probes expect, and stops cleanly on SIGTERM. Only the addresses
// are replaced by loopback ones (NATS and the origin are not running here, which the roles
// tolerate: they retry in the background). Their /metrics must export every metric the rules
// and the dashboard name (support/metrics.ts), with the type they assume.

const config = asRecord(
  find(renderKustomization(join(deployDir, 'kubernetes')).objects, 'ConfigMap', 'vexil-config')[
    'data'
  ],
);
const main = repoPath('apps', 'cli', 'dist', 'src', 'main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'vexil-deploy-roles-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `# TYPE` lines of each role's /metrics (undefined: the build exports no /metrics yet). */
const exported = new Map<string, Map<string, string> | undefined>();

async function scrape(role: string, url: string): Promise<void> {
  const res = await fetch(`${url}/metrics`);
  if (res.status === 404) {
    exported.set(role, undefined);
    return;
  }
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const types = new Map<string, string>();
  for (const m of (await res.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
  exported.set(role, types);
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

function start(role: 'origin' | 'edge', env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [main, role], {
    env: { PATH: process.env['PATH'] ?? '', ...config, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vexil ${role} did not start in 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^\s+URL\s+(http:\/\/\S+)/m.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vexil ${role} exited ${code}:\n${output}`));
    });
  });
}

function stop(running: Running): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000);
    running.child.removeAllListeners('exit');
    running.child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    running.child.kill('SIGTERM');
  });
}

describe('the ConfigMap settings run the real roles', () => {
  test('vexil edge starts with them: alive, not ready without data, stops with 0 on SIGTERM', async () => {
    const edge = await start('edge', {
      VEXIL_HOST: '127.0.0.1',
      VEXIL_PORT: '0',
      VEXIL_BUS: `nats://127.0.0.1:${await closedPort()}`,
      VEXIL_ORIGIN: `http://127.0.0.1:${await closedPort()}`,
      VEXIL_EDGE_TOKEN: 'vxl_not-a-real-token',
    });
    try {
      assert.equal((await fetch(`${edge.url}/healthz`)).status, 200);
      assert.equal(
        (await fetch(`${edge.url}/readyz`)).status,
        503,
        'no state yet: no SDK is sent here',
      );
    } finally {
      assert.equal(await stop(edge), 0, edge.output());
    }
  });

  test('vexil origin starts with them: alive and ready on its store, stops with 0 on SIGTERM', async () => {
    const origin = await start('origin', {
      VEXIL_HOST: '127.0.0.1',
      VEXIL_PORT: '0',
      VEXIL_BUS: `nats://127.0.0.1:${await closedPort()}`,
      VEXIL_STORE: `sqlite:${join(dataDir, 'vexil.db')}`,
      VEXIL_ADMIN_TOKEN: 'test-admin-token-0123456789',
    });
    try {
      assert.equal((await fetch(`${origin.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${origin.url}/readyz`)).status, 200);
      await scrape('origin', origin.url);
    } finally {
      assert.equal(await stop(origin), 0, origin.output());
    }
  });

  test('their /metrics export every metric the rules and the dashboard use, with its type', (t) => {
    const scraped = [...exported.values()];
    if (scraped.length === 0 || scraped.every((types) => types === undefined)) {
      t.skip('this build serves no /metrics yet');
      return;
    }
    const types = new Map<string, string>();
    for (const role of scraped) for (const [name, type] of role ?? []) types.set(name, type);
    // The probe's metrics exist only where the probe is configured; `up` is Prometheus' own.
    const expected = Object.entries(VEXIL_METRICS).filter(
      ([name]) => !name.startsWith('vexil_probe_') && name !== 'up',
    );
    const missing = expected
      .filter(([name, spec]) => types.get(name) !== spec.type)
      .map(([name, spec]) => `${name} (${spec.type}; exported: ${types.get(name) ?? 'no'})`);
    assert.deepEqual(missing, []);
  });
});
