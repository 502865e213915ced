import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serviceSkip, services } from '@vexil/testkit';
import { reusePortWorks } from '../src/roles/accept-mode.js';
import { startRole, type RoleProcess } from './support/role-process.js';
import { openStream } from './support/sse-stream.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';

// How the workers of `vexil edge --workers N` share the port (accept-mode.ts): with
// SO_REUSEPORT each worker has a listening socket of its own; the fallback (`--accept shared`,
// and what a platform without SO_REUSEPORT gets) is one socket that every worker accepts from.
// The listening sockets are read from /proc, not taken from the program's word.

/** Inodes of the TCP sockets listening on `port` (IPv4), from /proc/net/tcp. */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]!);
  }
  return inodes;
}

/** The listening sockets on `port` that process `pid` holds. */
function heldBy(pid: number, listening: Set<string>): string[] {
  const held: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m !== null && listening.has(m[1]!)) held.push(m[1]!);
  }
  return held;
}

test('SO_REUSEPORT takes effect on this runtime', async () => {
  assert.equal(await reusePortWorks('127.0.0.1'), true);
});

test('on a Node.js without reusePort the probe says so (auto then picks the shared socket)', (t) => {
  // Debian's system Node (20) ignores the listen option: the second socket gets EADDRINUSE.
  const system = '/usr/bin/node';
  const version = existsSync(system)
    ? spawnSync(system, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
    : '';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (version === '' || major > 22 || (major === 22 && minor >= 12))
    return t.skip(`no Node.js without reusePort at ${system} (${version || 'absent'})`);
  const module = fileURLToPath(new URL('../src/roles/accept-mode.js', import.meta.url));
  const probe = spawnSync(
    system,
    [
      '--input-type=module',
      '-e',
      `import { reusePortWorks } from ${JSON.stringify(module)};
       console.log(await reusePortWorks('127.0.0.1'));`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(probe.stdout.trim(), 'false', probe.stderr);
});

describe('vexil edge --workers 2: how the workers share the port', () => {
  let skip: string | undefined;
  let origin: TestOrigin | undefined;
  let token = '';
  let sdkKey = '';
  const edges: RoleProcess[] = [];

  before(async () => {
    skip = await serviceSkip('nats');
    if (skip !== undefined) return;
    origin = await startTestOrigin();
    const project = `a${Date.now().toString(36)}`;
    await origin.api('POST', '/projects', { key: project, name: 'Accept' });
    sdkKey = (
      await origin.api('POST', `/projects/${project}/environments`, { key: 'prod', name: 'Prod' })
    ).body.sdkKey!;
    token = (await origin.api('POST', '/tokens', { name: 'edge', role: 'edge' })).body.token!;
  });
  after(async () => {
    for (const edge of edges) await edge.stop();
    await origin?.stop();
  });

  const startEdge = async (extra: string[]) => {
    const edge = await startRole([
      'edge',
      ...['--bus', services.nats, '--origin', origin!.url, '--token', token],
      ...['--port', '0', '--workers', '2', ...extra],
    ]);
    edges.push(edge);
    const pids = /pids (\d+), (\d+)\)/.exec(edge.stdout())!.slice(1).map(Number);
    const port = Number(new URL(edge.url).port);
    return { edge, pids, port, listening: listeningInodes(port) };
  };

  const check = async (edge: RoleProcess, mode: string) => {
    assert.match(edge.stdout(), new RegExp(`^\\s*Accept\\s+${mode}$`, 'm'));
    const ready = (await (await fetch(`${edge.url}/readyz`)).json()) as { accept?: string };
    assert.equal(ready.accept, mode);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^vexil_edge_accept_mode\\{mode="${mode}"\\} 1$`, 'm'));
    const streams = await Promise.all([1, 2, 3, 4].map(() => openStream(edge.url, sdkKey)));
    assert.deepEqual(
      streams.map((s) => s.status),
      [200, 200, 200, 200],
    );
    for (const s of streams) s.close();
  };

  test('by default each worker listens on a socket of its own (SO_REUSEPORT)', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const { edge, pids, listening } = await startEdge([]);
    assert.equal(listening.size, 2, 'two listening sockets on the port');
    const held = pids.map((pid) => heldBy(pid, listening));
    assert.deepEqual(
      held.map((h) => h.length),
      [1, 1],
    );
    assert.notEqual(held[0]![0], held[1]![0], 'different sockets');
    assert.deepEqual(heldBy(edge.child.pid!, listening), [], 'the primary holds none');
    await check(edge, 'reuseport');
  });

  test('--accept shared: one socket, which every worker accepts from', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const { edge, pids, listening } = await startEdge(['--accept', 'shared']);
    assert.equal(listening.size, 1, 'one listening socket on the port');
    const [socket] = [...listening];
    for (const pid of pids) assert.deepEqual(heldBy(pid, listening), [socket]);
    await check(edge, 'shared');
  });
});
