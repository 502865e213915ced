import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BusError, createNatsBus, type NatsBus } from '@vexil/bus/nats';
import type { Change } from '@vexil/protocol';
import { freePort } from '@vexil/testkit';
import { makeNatsCertificates } from './support/nats-tls.js';
import { deployDir, readText } from './support/repo.js';
import { findTool } from './support/tools.js';

// The topologies of deploy/nats, run for real on loopback ports with the configs as written
// (only addresses, ports and paths replaced): a region's 3-node JetStream cluster with an edge
// site's leaf node (mutual TLS, no JetStream of its own), and two such regions joined by gateways.
// Vexil's own bus publishes where the origin would, and an edge's bus connected at the far end
// (the leaf, the other region) receives the changes in order.

const natsServer = findTool('nats-server', ['/usr/sbin']);
const openssl = findTool('openssl');
const skip = natsServer.skip || openssl.skip;
const FAST = { reconnectTimeWaitMs: 100, requestTimeoutMs: 2_000, heartbeatMs: 500 };

/** `text` with each [from, to] replaced; a missing `from` fails (the config changed shape). */
function rewrite(text: string, replacements: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of replacements) {
    assert.ok(out.includes(from), `the config contains ${from}`);
    out = out.replaceAll(from, to);
  }
  return out;
}

async function until(
  what: string | (() => string),
  check: () => Promise<boolean> | boolean,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function within<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface NodePorts {
  readonly client: number;
  readonly http: number;
  readonly cluster: number;
  readonly leaf: number;
  readonly gateway: number;
}

async function nodePorts(): Promise<NodePorts> {
  return {
    client: await freePort(),
    http: await freePort(),
    cluster: await freePort(),
    leaf: await freePort(),
    gateway: await freePort(),
  };
}

/** Publishes as the origin's outbox does: retried while a stream leader is being elected. */
async function publishAll(bus: NatsBus, environmentId: string, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) {
    const change: Change = {
      environmentId,
      seq,
      kind: 'flag',
      key: 'dark-mode',
      version: seq,
      item: { key: 'dark-mode', version: seq, on: seq % 2 === 1 },
      committedAt: Date.now(),
    };
    await until(`publish ${seq}`, async () => {
      try {
        await bus.publish(change);
        return true;
      } catch (e) {
        if (!(e instanceof BusError)) throw e;
        return false;
      }
    });
  }
}

describe('NATS topologies from deploy/nats, run on loopback', { skip }, () => {
  const dir = skip ? '' : mkdtempSync(join(tmpdir(), 'vexil-nats-topology-'));
  const tls = join(dir, 'tls');
  const processes: ChildProcess[] = [];
  const buses: NatsBus[] = [];

  before(() => {
    mkdirSync(tls);
    makeNatsCertificates(openssl.path!, tls);
  });

  after(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(
      processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  function start(name: string, conf: string): void {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, conf.replaceAll('/etc/nats/tls/', `${tls}/`));
    const env = { ...process.env, NATS_SERVER_NAME: name };
    processes.push(
      spawn(natsServer.path!, ['-c', file, '-l', `${file}.log`], { env, stdio: 'ignore' }),
    );
  }

  function bus(name: string, ports: readonly NodePorts[] | number, replicas = 1): NatsBus {
    const servers =
      typeof ports === 'number'
        ? `nats://127.0.0.1:${ports}`
        : ports.map((p) => `nats://127.0.0.1:${p.client}`);
    const b = createNatsBus({ servers, replicas, name, ...FAST });
    buses.push(b);
    return b;
  }

  /** One node's config: the file's addresses replaced by this machine's loopback ports. */
  function nodeConf(
    text: string,
    i: number,
    nodes: readonly NodePorts[],
    host: (k: number) => string,
  ): string {
    const node = nodes[i]!;
    return rewrite(text, [
      ['listen: 0.0.0.0:4222', `listen: 127.0.0.1:${node.client}`],
      ['http: 0.0.0.0:8222', `http: 127.0.0.1:${node.http}`],
      ['"/var/lib/nats/jetstream"', `"${join(dir, `js-${host(i)}`)}"`],
      ['listen: 0.0.0.0:6222', `listen: 127.0.0.1:${node.cluster}`],
      ['listen: 0.0.0.0:7422', `listen: 127.0.0.1:${node.leaf}`],
      ...nodes.map((n, k) => [`nats://${host(k)}:6222`, `nats://127.0.0.1:${n.cluster}`] as const),
    ]);
  }

  // Up to 90 s: electing the JetStream meta leader over 6 nodes and their gateways takes about
  // 5 s alone, but far longer while the rest of the suite loads both cores.
  async function jetStreamUp(nodes: readonly NodePorts[]): Promise<void> {
    for (const n of nodes) {
      let health: Record<string, unknown> | undefined;
      await until(
        () => `JetStream on the node with client port ${n.client} (${JSON.stringify(health)})`,
        async () => {
          health = await getJson(`http://127.0.0.1:${n.http}/healthz?js-enabled-only=true`);
          return health?.['status'] === 'ok';
        },
        90_000,
      );
    }
  }

  test('an edge behind an edge-site leaf node receives the region’s changes, in order', async () => {
    const nodes = await Promise.all([0, 1, 2].map(nodePorts));
    const host = (k: number) => `nats-${k + 1}.vexil.internal`;
    const regional = readText(join(deployDir, 'nats', 'regional-cluster.conf'));
    nodes.forEach((_, i) => start(`nats-${i + 1}`, nodeConf(regional, i, nodes, host)));
    const leaf = { client: await freePort(), http: await freePort() };
    const leafConf = rewrite(readText(join(deployDir, 'nats', 'leaf-edge-site.conf')), [
      ['listen: 0.0.0.0:4222', `listen: 127.0.0.1:${leaf.client}`],
      ['http: 127.0.0.1:8222', `http: 127.0.0.1:${leaf.http}`],
      ...nodes.map((n, k) => [`tls://${host(k)}:7422`, `tls://127.0.0.1:${n.leaf}`] as const),
    ]);
    start('leaf', leafConf);
    await jetStreamUp(nodes);
    await until('the leaf to connect to the region over TLS', async () => {
      const leafz = await getJson(`http://127.0.0.1:${leaf.http}/leafz`);
      return Number(leafz?.['leafnodes'] ?? 0) > 0;
    });

    const origin = bus('origin', nodes, 3);
    const edge = bus('edge-at-site', leaf.client);
    await within('the origin’s bus', origin.ready());
    await within('the edge’s bus, through the leaf', edge.ready());
    const environmentId = `leaf${Date.now().toString(16)}`;
    const received: number[] = [];
    edge.subscribe({ environmentId, afterSeq: 0 }, (c) => received.push(c.seq));
    await publishAll(origin, environmentId, 5);
    await until('the edge at the site to receive every change', () => received.length >= 5);
    assert.deepEqual(received, [1, 2, 3, 4, 5]);
    assert.equal(await edge.lastPublishedSeq(environmentId), 5, 'JetStream API via the leaf');
  });

  test('an edge in us-east receives changes published in eu-west, across the gateways', async () => {
    const regions = ['eu-west', 'us-east'] as const;
    // The origin's region holds a majority of the JetStream nodes (see the files' comments).
    const sizes = { 'eu-west': 3, 'us-east': 2 };
    const ports = new Map<string, NodePorts[]>();
    for (const r of regions)
      ports.set(r, await Promise.all(Array.from({ length: sizes[r] }, nodePorts)));
    const gatewayUrls = regions.flatMap((r) =>
      ports
        .get(r)!
        .map(
          (n, k) =>
            [
              `tls://${r}-${k + 1}.nats.vexil.internal:7222`,
              `tls://127.0.0.1:${n.gateway}`,
            ] as const,
        ),
    );
    for (const r of regions) {
      const nodes = ports.get(r)!;
      const text = readText(join(deployDir, 'nats', 'supercluster', `${r}.conf`));
      nodes.forEach((node, i) => {
        const conf = nodeConf(text, i, nodes, (k) => `${r}-${k + 1}.nats.vexil.internal`);
        start(
          `${r}-${i + 1}`,
          rewrite(conf, [
            ['listen: 0.0.0.0:7222', `listen: 127.0.0.1:${node.gateway}`],
            ...gatewayUrls,
          ]),
        );
      });
    }
    for (const r of regions) await jetStreamUp(ports.get(r)!);
    await until('every node to reach the other region through a gateway', async () => {
      const all = await Promise.all(
        regions.flatMap((r) =>
          ports.get(r)!.map((n) => getJson(`http://127.0.0.1:${n.http}/gatewayz`)),
        ),
      );
      return all.every((g) => {
        const outbound = (g?.['outbound_gateways'] ?? {}) as Record<string, unknown>;
        return regions.every((r) => r === g?.['name'] || r in outbound);
      });
    });

    const origin = bus('origin', ports.get('eu-west')!, 3);
    await within('the origin’s bus in eu-west', origin.ready());
    const edge = bus('edge-in-us-east', ports.get('us-east')!);
    await within('the edge’s bus in us-east', edge.ready());
    const environmentId = `gw${Date.now().toString(16)}`;
    const received: number[] = [];
    edge.subscribe({ environmentId, afterSeq: 0 }, (c) => received.push(c.seq));
    await publishAll(origin, environmentId, 5);
    await until('the edge in us-east to receive every change', () => received.length >= 5);
    assert.deepEqual(received, [1, 2, 3, 4, 5]);
  });
});
