import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { silentLogger, startPublisher, type ChangePublisher } from '@vexil/origin';
import { environmentEntryKey } from '@vexil/protocol';
import { openMemoryStore } from '@vexil/store';
import { until } from '@vexil/testkit';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, expectStatus, seedProject } from './support/fixtures.js';

// The outbox publisher publishes each environment and the directory on their own: one that the
// bus refuses never holds back the others, and it is retried until it goes through.

const servers: ApiServer[] = [];
const publishers: ChangePublisher[] = [];
after(async () => {
  for (const p of publishers) await p.close();
  await Promise.all(servers.map((s) => s.close()));
});

/** An in-process bus that refuses what `refuse` says, and counts what it is asked. */
function refusingBus(refuse: { directory: boolean; environments: Set<string> }) {
  const inner = createInProcessBus();
  const asked = { lastPublishedSeq: 0 };
  const bus: ChangeBus = {
    ...inner,
    kind: inner.kind,
    connected: true,
    async publish(change) {
      if (refuse.environments.has(change.environmentId))
        throw new Error(`the bus refuses ${change.environmentId}`);
      return inner.publish(change);
    },
    async putDirectoryEntry(key, entry) {
      if (refuse.directory) throw new Error('the bus refuses the directory');
      return inner.putDirectoryEntry(key, entry);
    },
    async lastPublishedSeq(id) {
      asked.lastPublishedSeq++;
      return inner.lastPublishedSeq(id);
    },
  };
  return { inner, bus, asked };
}

async function setUp(refuse: { directory: boolean; environments: Set<string> }, sweepMs = 5_000) {
  const { inner, bus, asked } = refusingBus(refuse);
  const store = await openMemoryStore();
  const publisher = startPublisher({
    store,
    bus,
    logger: silentLogger,
    retryDelayMs: 5,
    sweepIntervalMs: sweepMs,
  });
  publishers.push(publisher);
  const server = await startApiServer(store, { onCommit: (ids) => publisher.kick(ids) });
  servers.push(server);
  const seeded = await seedProject(server, 'p', ['prod', 'test']);
  return { inner, asked, server, seeded, store, publisher };
}

describe('outbox publisher', () => {
  test('a directory the bus refuses does not stop changes from being published', async () => {
    const refuse = { directory: true, environments: new Set<string>() };
    const { inner, server, seeded, store } = await setUp(refuse);
    expectStatus(await server.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
    const prod = seeded.envs['prod']!.id;
    const committed = async () => (await store.listEnvironments()).find((e) => e.id === prod)!.seq;
    await until(
      'the change to reach the bus',
      async () => (await inner.lastPublishedSeq(prod)) === (await committed()),
      5_000,
    );
    const entry = async () => (await inner.getDirectoryEntry(environmentEntryKey(prod))).entry;
    assert.equal(
      await entry(),
      undefined,
      'nothing reached the directory while the bus refused it',
    );
    refuse.directory = false;
    await until(
      'the directory to be synced on a retry',
      async () => (await entry()) !== undefined,
      5_000,
    );
  });

  test('an environment the bus refuses does not hold back the others', async () => {
    const refuse = { directory: false, environments: new Set<string>() };
    const { inner, server, seeded, store } = await setUp(refuse);
    const prod = seeded.envs['prod']!.id;
    const other = seeded.envs['test']!.id;
    refuse.environments.add(prod);
    expectStatus(await server.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
    const seqOf = async (id: string) =>
      (await store.listEnvironments()).find((e) => e.id === id)!.seq;
    await until(
      'the other environment to be published',
      async () => (await inner.lastPublishedSeq(other)) === (await seqOf(other)),
      5_000,
    );
    assert.ok((await inner.lastPublishedSeq(prod)) < (await seqOf(prod)));
    refuse.environments.clear();
    await until(
      'the refused environment to be published on a retry',
      async () => (await inner.lastPublishedSeq(prod)) === (await seqOf(prod)),
      5_000,
    );
  });

  test('a change committed without a kick (another origin) is found by the next sweep', async () => {
    const refuse = { directory: false, environments: new Set<string>() };
    const { inner, seeded, store, publisher } = await setUp(refuse, 20);
    await publisher.idle();
    const prod = seeded.envs['prod']!.id;
    const before = await inner.lastPublishedSeq(prod);
    // Past the first (full) sweep: later ones read only the environments changed lately.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const change = await store.transaction((tx) =>
      tx.appendChange(prod, {
        kind: 'segment',
        key: 's',
        version: 1,
        item: { key: 's', version: 1 },
      }),
    );
    assert.equal(change.seq, before + 1);
    await until(
      'the sweep to publish it',
      async () => (await inner.lastPublishedSeq(prod)) === change.seq,
      5_000,
    );
  });

  test('environments with nothing new are not asked about again on every sweep', async () => {
    const refuse = { directory: false, environments: new Set<string>() };
    const { asked, publisher } = await setUp(refuse, 20);
    await publisher.idle();
    // Give the 20 ms sweep several rounds.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publisher.idle();
    // Once per environment (two), when the publisher first met it.
    assert.equal(asked.lastPublishedSeq, 2);
  });
});
