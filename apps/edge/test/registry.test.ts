import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  credentialEntryKey,
  environmentEntryKey,
  type DirectoryEntry,
  type DirectoryRecord,
} from '@vexil/protocol';
import { LookupsExhausted, Registry } from '../src/state/registry.js';

// The registry resolves credentials by looking their directory entries up once, keeps what it
// looked up current from the watch's updates (the higher revision wins, whichever arrives
// first), answers repeated unknown keys without a lookup, bounds its lookups, and reports each
// expired credential once.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const environment = { id: 'env1', projectKey: 'p', key: 'prod', name: 'Production' };
const sdk = (extra: Partial<DirectoryEntry> = {}): DirectoryEntry =>
  ({ type: 'credential', kind: 'sdk', environment, ...extra }) as DirectoryEntry;

/** A directory upstream in memory that counts lookups; `hold` keeps answers back. */
function upstream(entries: Record<string, DirectoryEntry>) {
  let revision = 0;
  const table = new Map<string, DirectoryRecord>();
  const put = (key: string, entry?: DirectoryEntry): DirectoryRecord => {
    const record =
      entry === undefined ? { key, revision: ++revision } : { key, entry, revision: ++revision };
    table.set(key, record);
    return record;
  };
  for (const [key, entry] of Object.entries(entries)) put(key, entry);
  const held: (() => void)[] = [];
  const state = { lookups: 0, hold: false };
  const lookup = (key: string) => {
    state.lookups++;
    const record = table.get(key) ?? { key, revision: 0 };
    if (!state.hold) return Promise.resolve(record);
    return new Promise<DirectoryRecord>((resolve) => held.push(() => resolve(record)));
  };
  const release = () => held.splice(0).forEach((go) => go());
  return { lookup, put, state, release };
}

async function connected(
  entries: Record<string, DirectoryEntry>,
  now = () => 0,
  maxLookups?: number,
) {
  const directory = upstream(entries);
  const registry = new Registry({
    historySize: 10,
    now,
    ...(maxLookups === undefined ? {} : { maxLookups }),
  });
  await registry.connect(directory.lookup);
  return { registry, directory };
}

describe('registry', () => {
  test('a credential is looked up once, then served from the cache', async () => {
    const { registry, directory } = await connected({ [credentialEntryKey(sha256('k'))]: sdk() });
    const first = await registry.resolveKey('k', 'sdk');
    const directoryKey = credentialEntryKey(sha256('k'));
    assert.deepEqual(first, {
      environment,
      kind: 'sdk',
      id: sha256('k'),
      directoryKey,
      revision: 1,
    });
    assert.deepEqual(await registry.resolveKey('k', 'sdk'), first);
    assert.equal(await registry.resolveKey('k', 'mobile'), undefined, 'the kind must match');
    assert.equal(directory.state.lookups, 1);
  });

  test('an unknown key costs one lookup however often it is tried, until it is created', async () => {
    const { registry, directory } = await connected({});
    for (let i = 0; i < 5; i++) assert.equal(await registry.resolveKey('nope', 'sdk'), undefined);
    assert.equal(directory.state.lookups, 1);
    const key = credentialEntryKey(sha256('nope'));
    assert.deepEqual(registry.apply(directory.put(key, sdk())), []);
    assert.equal((await registry.resolveKey('nope', 'sdk'))?.environment.id, 'env1');
    assert.equal(directory.state.lookups, 1, 'the update replaced the cached miss');
  });

  test('a deleted credential or environment is revoked and no longer resolves', async () => {
    const key = credentialEntryKey(sha256('k'));
    const env = environmentEntryKey('env1');
    const { registry, directory } = await connected({
      [key]: sdk(),
      [env]: { type: 'environment', environment, credentials: [sha256('k')] },
    });
    await registry.resolveKey('k', 'sdk');
    await registry.resolveClientSideId('env1');
    assert.deepEqual(registry.apply(directory.put(key)), [sha256('k')]);
    assert.equal(await registry.resolveKey('k', 'sdk'), undefined);
    assert.deepEqual(registry.apply(directory.put(env)), ['env1']);
    assert.equal(await registry.resolveClientSideId('env1'), undefined);
  });

  test('an update that overtakes a lookup in flight wins over its older answer', async () => {
    const key = credentialEntryKey(sha256('k'));
    const { registry, directory } = await connected({ [key]: sdk() });
    directory.state.hold = true;
    const resolving = registry.resolveKey('k', 'sdk');
    registry.apply(directory.put(key));
    directory.release();
    assert.equal(await resolving, undefined, 'the delete is newer than the answer');
    assert.equal(await registry.resolveKey('k', 'sdk'), undefined);
  });

  test('a minimum revision above the cached one is looked up afresh, once for callers at once', async () => {
    const key = credentialEntryKey(sha256('k'));
    const { registry, directory } = await connected({ [key]: sdk() });
    assert.equal((await registry.resolveKey('k', 'sdk'))?.revision, 1);
    directory.put(key, sdk({ expiresAt: 50 })); // revision 2, which the watch has not brought
    assert.equal((await registry.resolveKey('k', 'sdk', 1))?.revision, 1, 'as new as asked');
    assert.equal(directory.state.lookups, 1);
    directory.state.hold = true;
    const asking = [registry.resolveKey('k', 'sdk', 2), registry.resolveKey('k', 'sdk', 2)];
    directory.release();
    for (const credential of await Promise.all(asking)) {
      assert.equal(credential?.revision, 2);
      assert.equal(credential?.expiresAt, 50);
    }
    assert.equal(directory.state.lookups, 2, 'one lookup for both');
    assert.equal((await registry.resolveKey('k', 'sdk', 2))?.revision, 2, 'and it is cached');
    assert.equal(directory.state.lookups, 2);
  });

  test('a fresh lookup never replaces a newer entry the watch brought meanwhile', async () => {
    const key = environmentEntryKey('env1');
    const entry: DirectoryEntry = { type: 'environment', environment, credentials: [] };
    const { registry, directory } = await connected({ [key]: entry });
    await registry.resolveClientSideId('env1');
    directory.state.hold = true;
    const resolving = registry.resolveClientSideId('env1', 5);
    registry.apply(directory.put(key)); // deleted: revision 2, heard before the lookup answers
    directory.release();
    assert.equal(await resolving, undefined);
  });

  test('updates of keys it never looked up are not kept', async () => {
    const { registry, directory } = await connected({});
    for (let i = 0; i < 100; i++)
      registry.apply(directory.put(credentialEntryKey(sha256(`k${i}`)), sdk()));
    await registry.resolveKey('k1', 'sdk');
    assert.equal(directory.state.lookups, 1, 'k1 was looked up: the update was not cached');
  });

  test('lookups beyond the limit are refused at once, not queued', async () => {
    const { registry, directory } = await connected({}, () => 0, 2);
    directory.state.hold = true;
    const a = registry.resolveKey('a', 'sdk');
    const b = registry.resolveKey('b', 'sdk');
    const again = registry.resolveKey('a', 'sdk');
    await assert.rejects(registry.resolveKey('c', 'sdk'), LookupsExhausted);
    directory.release();
    assert.deepEqual(await Promise.all([a, b, again]), [undefined, undefined, undefined]);
    assert.equal(directory.state.lookups, 2, 'the same key in flight is looked up once');
  });

  test('a reconnect looks cached entries up again and revokes what went meanwhile', async () => {
    const key = credentialEntryKey(sha256('k'));
    const { registry, directory } = await connected({ [key]: sdk() });
    await registry.resolveKey('k', 'sdk');
    directory.put(key); // deleted while the watch was down: never heard of
    assert.deepEqual(await registry.connect(directory.lookup), [sha256('k')]);
    assert.equal(await registry.resolveKey('k', 'sdk'), undefined);
  });

  test('each expired credential is reported once, when its expiry passes', async () => {
    let now = 5;
    const { registry } = await connected(
      {
        [credentialEntryKey(sha256('old-sdk'))]: sdk({ expiresAt: 10 }),
        [credentialEntryKey(sha256('old-mobile'))]: sdk({ kind: 'mobile', expiresAt: 20 }),
      },
      () => now,
    );
    await registry.resolveKey('old-sdk', 'sdk');
    await registry.resolveKey('old-mobile', 'mobile');
    assert.deepEqual(registry.expiredCredentials(), []);
    now = 15;
    assert.deepEqual(registry.expiredCredentials(), [sha256('old-sdk')]);
    assert.deepEqual(registry.expiredCredentials(), [], 'reported once');
    assert.equal(await registry.resolveKey('old-sdk', 'sdk'), undefined);
    now = 25;
    assert.deepEqual(registry.expiredCredentials(), [sha256('old-mobile')]);
  });

  test('secure mode: its live keys resolve with their hashes; turning it on revokes the environment', async () => {
    let now = 5;
    const key = environmentEntryKey('env1');
    const entry = (secureModeKeys?: { key: string; expiresAt?: number }[]): DirectoryEntry => ({
      type: 'environment',
      environment,
      credentials: [],
      ...(secureModeKeys === undefined ? {} : { secureModeKeys }),
    });
    const { registry, directory } = await connected({ [key]: entry() }, () => now);
    assert.equal((await registry.resolveClientSideId('env1'))?.secureModeKeys, undefined);

    const keys = [{ key: 'sdk-new' }, { key: 'sdk-old', expiresAt: 10 }];
    assert.deepEqual(registry.apply(directory.put(key, entry(keys))), ['env1'], 'turned on');
    assert.deepEqual((await registry.resolveClientSideId('env1'))?.secureModeKeys, [
      { key: 'sdk-new', hash: sha256('sdk-new') },
      { key: 'sdk-old', hash: sha256('sdk-old'), expiresAt: 10 },
    ]);
    assert.deepEqual(registry.apply(directory.put(key, entry(keys))), [], 'already on');
    now = 15;
    assert.deepEqual(registry.expiredCredentials(), [sha256('sdk-old')], 'the old key expired');
    assert.deepEqual((await registry.resolveClientSideId('env1'))?.secureModeKeys, [
      { key: 'sdk-new', hash: sha256('sdk-new') },
    ]);
    assert.deepEqual(registry.apply(directory.put(key, entry())), [], 'turned off');
  });

  test('an environment unused for long enough is listed for eviction', async () => {
    let now = 0;
    const { registry } = await connected({}, () => now);
    registry.stateFor('a');
    registry.touch('a');
    registry.stateFor('b');
    now = 100;
    registry.touch('b');
    assert.deepEqual(registry.unusedSince(50), ['a']);
    assert.deepEqual(registry.usedSince(50), ['b']);
    registry.evict('a');
    assert.deepEqual(registry.unusedSince(50), []);
  });
});
