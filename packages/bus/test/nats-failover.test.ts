import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Change } from '@vexil/protocol';
import { BusError, createNatsBus, type NatsBus, type NatsBusOptions } from '@vexil/bus/nats';
import { change } from './contract.js';
import { NatsServers, natsServerSkip, until, type NatsServerProcess } from '@vexil/testkit';

// Outages with real nats-server processes of our own on loopback ports: a server stopped and
// restarted on the same store dir, and a 3-node cluster losing its stream leader.

const skip = natsServerSkip();

/** Short timeouts so each outage is noticed and recovered from within a second or two. */
const FAST: Partial<NatsBusOptions> = {
  reconnectTimeWaitMs: 100,
  requestTimeoutMs: 1_000,
  heartbeatMs: 500,
  pingIntervalMs: 1_000,
};

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

let envCounter = 0;
const envId = () => `f${Date.now().toString(36)}${(envCounter++).toString(36)}`;

/** What the origin's outbox publisher does: a failure means "try again shortly". */
async function publishWithRetry(bus: NatsBus, c: Change, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    try {
      await bus.publish(c);
      return failures;
    } catch (err) {
      assert.ok(err instanceof BusError, `publish failed with ${String(err)}`);
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('nats bus failover', { skip }, () => {
  const servers = new NatsServers();
  const buses: NatsBus[] = [];
  const open = (urls: string | string[], more: Partial<NatsBusOptions> = {}) => {
    const bus = createNatsBus({ servers: urls, ...FAST, ...more });
    buses.push(bus);
    return bus;
  };
  after(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await servers.stopAll();
  });

  test('publishing fails fast while NATS is down and succeeds once it is back', async () => {
    const server = await servers.single('down');
    const bus = open(server.url);
    await bus.ready();
    const env = envId();
    for (let seq = 1; seq <= 3; seq++) await bus.publish(change(env, seq));

    await server.stop();
    await until('the bus to notice', () => !bus.connected);
    const started = Date.now();
    await assert.rejects(bus.publish(change(env, 4)), { code: 'UNAVAILABLE' });
    await assert.rejects(bus.lastPublishedSeq(env), { code: 'UNAVAILABLE' });
    assert.ok(Date.now() - started < 100, `failing took ${Date.now() - started} ms`);

    await server.start();
    await publishWithRetry(bus, change(env, 4));
    assert.equal(await bus.lastPublishedSeq(env), 4);
  });

  test('a bus opened before NATS starts connects and sets up its streams when it does', async () => {
    const server = await servers.single('late', false);
    const statuses: boolean[] = [];
    const bus = open(server.url);
    bus.onStatus((connected) => statuses.push(connected));
    assert.equal(bus.connected, false);
    await assert.rejects(bus.publish(change(envId(), 1)), { code: 'UNAVAILABLE' });
    const got: number[] = [];
    const env = envId();
    bus.subscribe({ environmentId: env, afterSeq: 0 }, (c) => got.push(c.seq));

    await server.start();
    await bus.ready();
    await bus.publish(change(env, 1));
    await until('the change', () => got.length === 1);
    assert.deepEqual(statuses, [true]);
  });

  test('a subscriber keeps receiving in order across a server kill and restart', async () => {
    const server = await servers.single('restart');
    const origin = open(server.url);
    const edge = open(server.url);
    await Promise.all([origin.ready(), edge.ready()]);
    const env = envId();
    const got: number[] = [];
    const statuses: boolean[] = [];
    edge.onStatus((connected) => statuses.push(connected));
    edge.subscribe({ environmentId: env, afterSeq: 0 }, (c) => got.push(c.seq));
    for (let seq = 1; seq <= 10; seq++) await origin.publish(change(env, seq));
    await until('the first ten', () => got.length === 10);

    await server.stop('SIGKILL');
    await until('the edge to notice', () => !edge.connected);
    await server.start();
    for (let seq = 11; seq <= 20; seq++) await publishWithRetry(origin, change(env, seq));
    await until('all twenty', () => got.length >= 20, 15_000);
    assert.deepEqual(got, range(1, 20));
    assert.deepEqual(statuses, [false, true]);
  });

  test('duplicates inside the window are dropped, across a restart too', async () => {
    const server = await servers.single('dedupe');
    const first = open(server.url, { streamName: 'DEDUPE', subjectPrefix: 'dedupe' });
    await first.ready();
    const env = envId();
    for (let seq = 1; seq <= 3; seq++) await first.publish(change(env, seq));
    await server.restart('SIGKILL');

    // A second origin that starts with no cached tail, and the raw Nats-Msg-Id path.
    const second = open(server.url, { streamName: 'DEDUPE', subjectPrefix: 'dedupe' });
    await second.ready();
    for (let seq = 1; seq <= 3; seq++) await publishWithRetry(second, change(env, seq));
    for (let seq = 1; seq <= 4; seq++) await publishWithRetry(first, change(env, seq));
    const nc = await connect({ servers: server.url });
    try {
      const ack = await jetstream(nc).publish(`dedupe.changes.${env}`, 'again', {
        msgID: `${env}:2`,
      });
      assert.equal(ack.duplicate, true);
      const info = await (await jetstreamManager(nc)).streams.info('DEDUPE');
      assert.equal(info.state.messages, 4);
    } finally {
      await nc.close();
    }
  });

  describe('a 3-node cluster with replicas 3', () => {
    const stream = 'CLUSTERED';
    let nodes: NatsServerProcess[];
    let origin: NatsBus;
    let edge: NatsBus;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    const env = envId();
    const got: number[] = [];
    let published = 0;

    const node = (name: string | undefined) => {
      const found = nodes.find((n) => n.options.name === name);
      assert.ok(found !== undefined, `${String(name)} is one of our nodes`);
      return found;
    };
    const streamLeader = async () => (await jsm.streams.info(stream)).cluster?.leader;
    const publishUpTo = async (last: number) => {
      let retries = 0;
      while (published < last) {
        retries += await publishWithRetry(origin, change(env, published + 1));
        published++;
      }
      return retries;
    };

    before(async () => {
      nodes = await servers.cluster(3);
      const urls = nodes.map((n) => n.url);
      const options = { replicas: 3, streamName: stream, subjectPrefix: 'clustered' };
      origin = open(urls, options);
      edge = open(urls, options);
      await Promise.all([origin.ready(), edge.ready()]);
      edge.subscribe({ environmentId: env, afterSeq: 0 }, (c) => got.push(c.seq));
      nc = await connect({ servers: urls });
      jsm = await jetstreamManager(nc, { timeout: 1_000 });
    });
    after(async () => {
      await nc?.close();
    });

    test('killing the stream leader while publishing loses nothing and keeps order', async (t) => {
      const t0 = Date.now();
      await publishUpTo(50);
      const victim = node(await streamLeader());
      await victim.stop('SIGKILL');
      const retries = await publishUpTo(150);
      t.diagnostic(`new leader took writes again after ${Date.now() - t0} ms (${retries} retries)`);
      await until('all 150 at the edge', () => got.length >= 150, 20_000);
      assert.deepEqual(got, range(1, 150));
      assert.ok(retries > 0, 'the publisher felt the leader change');
      assert.equal(await origin.lastPublishedSeq(env), 150);
    });

    test('a subscriber whose consumer was on the killed node gets a new one', async (t) => {
      for (const n of nodes) if (!n.running) await n.start();
      await until(
        'every replica to be current',
        async () => {
          const replicas = (await jsm.streams.info(stream).catch(() => undefined))?.cluster
            ?.replicas;
          return replicas?.length === 2 && replicas.every((r) => r.current && !r.offline);
        },
        20_000,
        100,
      );
      let consumerNode: string | undefined;
      await until(
        'the edge consumer',
        async () => {
          try {
            for await (const ci of jsm.consumers.list(stream))
              // Every subscribed environment is read through one consumer on all subjects.
              if (ci.config.filter_subject === 'clustered.changes.*')
                consumerNode = ci.cluster?.leader;
          } catch {
            // the meta leader may still be settling after the restart
          }
          return consumerNode !== undefined;
        },
        10_000,
        100,
      );
      const victim = node(consumerNode);
      t.diagnostic(
        `edge consumer on ${victim.options.name}; stream leader ${await streamLeader()}`,
      );
      const t0 = Date.now();
      await victim.stop('SIGKILL');
      await publishUpTo(170);
      await until('all 170 at the edge', () => got.length >= 170, 20_000);
      t.diagnostic(`the edge resumed ${Date.now() - t0} ms after the kill`);
      assert.deepEqual(got, range(1, 170));
    });
  });
});
