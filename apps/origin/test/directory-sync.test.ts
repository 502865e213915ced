import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { silentLogger, startPublisher, type ChangePublisher } from '@vexil/origin';
import {
  credentialEntryKey,
  environmentEntryKey,
  SYNCED_ENTRY_KEY,
  type DirectoryEntry,
} from '@vexil/protocol';
import { openMemoryStore, type Store } from '@vexil/store';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { expectStatus, seedProject } from './support/fixtures.js';

// The bus's directory follows the store one entry per credential and per environment: created,
// rotated, revoked and deleted credentials each change only their own entries, and what the
// store marked is synced even by a publisher that was not running when it was written.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const servers: ApiServer[] = [];
const publishers: ChangePublisher[] = [];
after(async () => {
  for (const p of publishers) await p.close();
  await Promise.all(servers.map((s) => s.close()));
});

function publish(store: Store, bus: ChangeBus): ChangePublisher {
  const publisher = startPublisher({ store, bus, logger: silentLogger, retryDelayMs: 5 });
  publishers.push(publisher);
  return publisher;
}

async function setUp() {
  const bus = createInProcessBus();
  const store = await openMemoryStore();
  const publisher = publish(store, bus);
  const api = await startApiServer(store, {
    onCommit: (ids) => publisher.kick(ids),
    onDirectoryChange: () => publisher.directoryChanged(),
  });
  servers.push(api);
  const entry = async (key: string): Promise<DirectoryEntry | undefined> => {
    await publisher.idle();
    return (await bus.getDirectoryEntry(key)).entry;
  };
  return { bus, store, api, publisher, entry };
}

describe('directory sync', () => {
  test('an environment puts one entry per credential and one for its client-side ID', async () => {
    const { api, store, entry } = await setUp();
    const { envs } = await seedProject(api, 'p', ['prod']);
    const prod = envs['prod']! as { id: string; sdkKey: string; mobileKey: string };
    const environment = { id: prod.id, projectKey: 'p', key: 'prod', name: 'PROD' };
    assert.deepEqual(await entry(credentialEntryKey(sha256(prod.sdkKey))), {
      type: 'credential',
      kind: 'sdk',
      environment,
    });
    assert.deepEqual(await entry(credentialEntryKey(sha256(prod.mobileKey))), {
      type: 'credential',
      kind: 'mobile',
      environment,
    });
    assert.deepEqual(await entry(environmentEntryKey(prod.id)), {
      type: 'environment',
      environment,
      credentials: [sha256(prod.sdkKey), sha256(prod.mobileKey)],
    });
    assert.deepEqual(await store.listDirectoryMarks(10), [], 'every mark was handled');
  });

  test('a rotation puts the new key, keeps the old one until it expires, or removes it', async () => {
    const { api, entry } = await setUp();
    const { envs } = await seedProject(api, 'p', ['prod']);
    const old = envs['prod']!.sdkKey;
    const rotate = (body: unknown) =>
      api.call('POST', '/api/v1/projects/p/environments/prod/keys/sdk/rotate', body);
    const graced = (await rotate({ expiresInSeconds: 60 })).body as { sdkKey: string };
    const kept = await entry(credentialEntryKey(sha256(old)));
    assert.equal(kept?.type === 'credential' && kept.expiresAt !== undefined, true);
    assert.equal((await entry(credentialEntryKey(sha256(graced.sdkKey))))?.type, 'credential');
    const now = (await rotate({})).body as { sdkKey: string };
    assert.equal(await entry(credentialEntryKey(sha256(old))), undefined);
    assert.equal(await entry(credentialEntryKey(sha256(graced.sdkKey))), undefined);
    assert.equal((await entry(credentialEntryKey(sha256(now.sdkKey))))?.type, 'credential');
  });

  test('secure mode puts the SDK keys, the rotated-out one until its expiry, in the environment entry', async () => {
    const { api, entry } = await setUp();
    const { envs } = await seedProject(api, 'p', ['prod']);
    const prod = envs['prod']!;
    const path = '/api/v1/projects/p/environments/prod';
    const secureModeKeys = async () => {
      const e = await entry(environmentEntryKey(prod.id));
      return e?.type === 'environment' ? e.secureModeKeys : 'no environment entry';
    };
    assert.equal(await secureModeKeys(), undefined, 'off: no key leaves the store');
    const secure = (on: boolean) =>
      api.call('PATCH', path, [{ op: 'replace', path: '/secureMode', value: on }]);
    expectStatus(await secure(true), 200);
    assert.deepEqual(await secureModeKeys(), [{ key: prod.sdkKey }]);

    const rotated = await api.call('POST', `${path}/keys/sdk/rotate`, { expiresInSeconds: 60 });
    assert.deepEqual(await secureModeKeys(), [
      { key: rotated.body.sdkKey },
      { key: prod.sdkKey, expiresAt: rotated.body.expiringSdkKey.expiresAt },
    ]);
    const mobile = await api.call('POST', `${path}/keys/mobile/rotate`);
    assert.equal(JSON.stringify(await secureModeKeys()).includes(mobile.body.mobileKey), false);
    expectStatus(await secure(false), 200);
    assert.equal(await secureModeKeys(), undefined);
  });

  test('deleting an environment or a project removes all its entries', async () => {
    const { api, entry } = await setUp();
    const { envs } = await seedProject(api, 'p', ['prod', 'test']);
    expectStatus(await api.call('DELETE', '/api/v1/projects/p/environments/prod'), 204);
    assert.equal(await entry(environmentEntryKey(envs['prod']!.id)), undefined);
    assert.equal(await entry(credentialEntryKey(sha256(envs['prod']!.sdkKey))), undefined);
    assert.equal((await entry(environmentEntryKey(envs['test']!.id)))?.type, 'environment');
    expectStatus(await api.call('DELETE', '/api/v1/projects/p'), 204);
    assert.equal(await entry(environmentEntryKey(envs['test']!.id)), undefined);
    assert.equal(await entry(credentialEntryKey(sha256(envs['test']!.sdkKey))), undefined);
  });

  test('edge tokens are in the directory until revoked; other roles never are', async () => {
    const { api, entry } = await setUp();
    const edge = (await api.call('POST', '/api/v1/tokens', { name: 'e', role: 'edge' })).body;
    const reader = (await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' })).body;
    assert.deepEqual(await entry(credentialEntryKey(sha256(edge.token))), {
      type: 'credential',
      kind: 'edge',
    });
    assert.equal(await entry(credentialEntryKey(sha256(reader.token))), undefined);
    expectStatus(await api.call('DELETE', `/api/v1/tokens/${edge.id}`), 204);
    assert.equal(await entry(credentialEntryKey(sha256(edge.token))), undefined);
  });

  test('what was committed while no publisher ran is synced by the next one', async () => {
    const { api, store, publisher } = await setUp();
    await publisher.close();
    const { envs } = await seedProject(api, 'p', ['prod']);
    assert.ok((await store.listDirectoryMarks(10)).length > 0);
    const bus = createInProcessBus();
    // A bus directory already marked synced gets only what the marks name.
    await bus.putDirectoryEntry(SYNCED_ENTRY_KEY, { type: 'synced', at: 1 });
    await publish(store, bus).idle();
    assert.equal(
      (await bus.getDirectoryEntry(environmentEntryKey(envs['prod']!.id))).entry?.type,
      'environment',
    );
    assert.deepEqual(await store.listDirectoryMarks(10), []);
  });

  test('an empty bus directory is filled from the whole store', async () => {
    const { api, store, publisher } = await setUp();
    const { envs } = await seedProject(api, 'p', ['prod', 'test']);
    await publisher.idle();
    assert.deepEqual(await store.listDirectoryMarks(10), []);
    // A bus that lost its storage: no marks are left, the store still has everything.
    const bus = createInProcessBus();
    await publish(store, bus).idle();
    for (const env of Object.values(envs)) {
      assert.equal(
        (await bus.getDirectoryEntry(environmentEntryKey(env.id))).entry?.type,
        'environment',
      );
      assert.equal(
        (await bus.getDirectoryEntry(credentialEntryKey(sha256(env.sdkKey)))).entry?.type,
        'credential',
      );
    }
    assert.equal((await bus.getDirectoryEntry(SYNCED_ENTRY_KEY)).entry?.type, 'synced');
  });
});
