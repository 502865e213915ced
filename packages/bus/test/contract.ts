import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import {
  credentialEntryKey,
  environmentEntryKey,
  type Change,
  type DirectoryEntry,
  type DirectoryRecord,
} from '@vexil/protocol';
import { BusError, type ChangeBus } from '@vexil/bus';
import { until } from '@vexil/testkit';

// One contract for every ChangeBus implementation (in-process, NATS JetStream).

export interface BusFactory {
  /** A bus over fresh, isolated state; `retain` bounds the replay window per environment. */
  open(options: { retain: number }): Promise<ChangeBus>;
  cleanup?(): Promise<void>;
}

/** Matches the one BusError class, whichever implementation threw it, with code CLOSED. */
const closedError = (err: unknown) => err instanceof BusError && err.code === 'CLOSED';

let counter = 0;
const envId = () => `env${Date.now().toString(36)}${(counter++).toString(36)}`;
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

export function change(environmentId: string, seq: number, key = 'f'): Change {
  return {
    environmentId,
    seq,
    kind: 'flag',
    key,
    version: seq,
    item: { key, version: seq, on: seq % 2 === 0 },
    committedAt: 1_700_000_000_000 + seq,
  };
}

/** Collects changes until `count` arrived (or fails after `ms`). */
export function collect(count: number, ms = 10_000) {
  const received: Change[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(() => resolve(), ms);
  return {
    received,
    onChange(c: Change) {
      received.push(c);
      if (received.length >= count) {
        clearTimeout(timer);
        resolve();
      }
    },
    async wait(): Promise<Change[]> {
      await done;
      clearTimeout(timer);
      return received;
    },
  };
}

export function runBusContract(name: string, factory: BusFactory) {
  describe(`ChangeBus contract: ${name}`, () => {
    let bus: ChangeBus;
    before(async () => {
      bus = await factory.open({ retain: 50 });
    });
    after(async () => {
      await bus.close();
      await factory.cleanup?.();
    });

    test('delivers changes in seq order to a live subscriber', async () => {
      const env = envId();
      const c = collect(20);
      const sub = bus.subscribe({ environmentId: env, afterSeq: 0 }, c.onChange);
      for (let seq = 1; seq <= 20; seq++) await bus.publish(change(env, seq));
      const got = await c.wait();
      sub.close();
      assert.deepEqual(
        got.map((x) => x.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.deepEqual(got[4], change(env, 5));
    });

    test('drops a change whose seq was already published', async () => {
      const env = envId();
      for (const seq of [1, 2, 2, 3, 1, 3]) await bus.publish(change(env, seq));
      assert.equal(await bus.lastPublishedSeq(env), 3);
      const c = collect(3);
      const sub = bus.subscribe({ environmentId: env, afterSeq: 0 }, c.onChange);
      await bus.publish(change(env, 4));
      const got = (await c.wait()).slice();
      // Wait for seq 4 too, then check nothing was duplicated.
      const more = collect(4);
      const sub2 = bus.subscribe({ environmentId: env, afterSeq: 0 }, more.onChange);
      const all = await more.wait();
      sub.close();
      sub2.close();
      assert.deepEqual(got.map((x) => x.seq).slice(0, 3), [1, 2, 3]);
      assert.deepEqual(
        all.map((x) => x.seq),
        [1, 2, 3, 4],
      );
    });

    test('replays from a sequence number, then continues live', async () => {
      const env = envId();
      for (let seq = 1; seq <= 10; seq++) await bus.publish(change(env, seq));
      const c = collect(7);
      const sub = bus.subscribe({ environmentId: env, afterSeq: 6 }, c.onChange);
      for (let seq = 11; seq <= 13; seq++) await bus.publish(change(env, seq));
      const got = await c.wait();
      sub.close();
      assert.deepEqual(
        got.map((x) => x.seq),
        [7, 8, 9, 10, 11, 12, 13],
      );
    });

    test('shows a gap when the replay window no longer holds the requested seq', async () => {
      const env = envId();
      for (let seq = 1; seq <= 120; seq++) await bus.publish(change(env, seq));
      const c = collect(1);
      const sub = bus.subscribe({ environmentId: env, afterSeq: 3 }, c.onChange);
      const [first] = await c.wait();
      sub.close();
      assert.ok(
        first !== undefined && first.seq > 4,
        `first delivered seq ${String(first?.seq)} reveals the gap`,
      );
    });

    test('keeps environments apart', async () => {
      const a = envId();
      const b = envId();
      const ca = collect(3);
      const cb = collect(2);
      const sa = bus.subscribe({ environmentId: a, afterSeq: 0 }, ca.onChange);
      const sb = bus.subscribe({ environmentId: b, afterSeq: 0 }, cb.onChange);
      await bus.publish(change(a, 1));
      await bus.publish(change(b, 1));
      await bus.publish(change(a, 2));
      await bus.publish(change(b, 2));
      await bus.publish(change(a, 3));
      const [gotA, gotB] = await Promise.all([ca.wait(), cb.wait()]);
      sa.close();
      sb.close();
      assert.ok(gotA.every((x) => x.environmentId === a));
      assert.ok(gotB.every((x) => x.environmentId === b));
      assert.deepEqual(
        gotA.map((x) => x.seq),
        [1, 2, 3],
      );
    });

    test('a closed subscription receives nothing more', async () => {
      const env = envId();
      const received: number[] = [];
      const sub = bus.subscribe({ environmentId: env }, (c) => received.push(c.seq));
      sub.close();
      await bus.publish(change(env, 1));
      const c = collect(1);
      const probe = bus.subscribe({ environmentId: env, afterSeq: 0 }, c.onChange);
      await c.wait();
      probe.close();
      assert.deepEqual(received, []);
    });

    test("a watch of all changes hears every environment's later changes, each in seq order", async () => {
      const a = envId();
      const b = envId();
      await bus.publish(change(a, 1));
      const seen: Change[] = [];
      const watch = bus.watchChanges((c) => {
        if (c.environmentId === a || c.environmentId === b) seen.push(c);
      });
      await watch.ready;
      await bus.publish(change(a, 2));
      await bus.publish(change(b, 1));
      await bus.publish(change(a, 3));
      await bus.publish(change(a, 3)); // a duplicate: dropped by the bus
      await until('three changes', () => seen.length >= 3);
      const after = collect(1);
      const probe = bus.subscribe({ environmentId: b, afterSeq: 1 }, after.onChange);
      await bus.publish(change(b, 2));
      await after.wait();
      probe.close();
      await until('the fourth change', () => seen.length >= 4);
      watch.close();
      await bus.publish(change(b, 3));
      const probeAgain = collect(1);
      const last = bus.subscribe({ environmentId: b, afterSeq: 2 }, probeAgain.onChange);
      await probeAgain.wait();
      last.close();
      assert.deepEqual(
        seen.map((c) => `${c.environmentId === a ? 'a' : 'b'}${c.seq}`),
        ['a2', 'b1', 'a3', 'b2'],
      );
    });

    test('publish after close rejects with BusError CLOSED', async () => {
      const closed = await factory.open({ retain: 50 });
      await closed.close();
      await assert.rejects(closed.publish(change(envId(), 1)), closedError);
    });

    test('a directory write after close rejects with BusError CLOSED', async () => {
      const closed = await factory.open({ retain: 50 });
      const key = credentialEntryKey(hashOf(envId()));
      await closed.putDirectoryEntry(key, { type: 'credential', kind: 'edge' });
      await closed.close();
      await assert.rejects(
        closed.putDirectoryEntry(key, { type: 'credential', kind: 'sdk' }),
        closedError,
      );
      await assert.rejects(closed.deleteDirectoryEntry(key), closedError);
    });

    test('keeps one directory entry per key, with increasing revisions', async () => {
      const id = envId();
      const key = credentialEntryKey(hashOf(id));
      const entry = (name: string): DirectoryEntry => ({
        type: 'credential',
        kind: 'sdk',
        environment: { id, projectKey: 'p', key: name, name },
      });
      assert.deepEqual(await bus.getDirectoryEntry(key), { key, revision: 0 });
      await bus.putDirectoryEntry(key, entry('first'));
      const first = await bus.getDirectoryEntry(key);
      await bus.putDirectoryEntry(key, entry('second'));
      const second = await bus.getDirectoryEntry(key);
      assert.deepEqual(second.entry, entry('second'));
      assert.ok(second.revision > first.revision && first.revision > 0);
      await bus.deleteDirectoryEntry(key);
      const deleted = await bus.getDirectoryEntry(key);
      assert.equal(deleted.entry, undefined);
      assert.ok(deleted.revision > second.revision);
    });

    test("an environment entry keeps its secure-mode keys, as edges verify browsers' hashes with them", async () => {
      const id = envId();
      const key = environmentEntryKey(id);
      const entry: DirectoryEntry = {
        type: 'environment',
        environment: { id, projectKey: 'p', key: 'k', name: 'n' },
        credentials: [hashOf(id)],
        secureModeKeys: [{ key: 'sdk-new' }, { key: 'sdk-old', expiresAt: 1_900_000_000_000 }],
      };
      await bus.putDirectoryEntry(key, entry);
      assert.deepEqual((await bus.getDirectoryEntry(key)).entry, entry);
      await bus.deleteDirectoryEntry(key);
    });

    test('a directory watch hears of each later put and delete, in revision order', async () => {
      // A key written twice in quick succession may be heard of once, at its latest value.
      const key = environmentEntryKey(envId());
      const before = credentialEntryKey(hashOf(key));
      await bus.putDirectoryEntry(before, { type: 'credential', kind: 'edge' });
      const seen: DirectoryRecord[] = [];
      const watch = bus.watchDirectory((record) => {
        if (record.key === key || record.key === before) seen.push(record);
      });
      await watch.ready;
      const entry: DirectoryEntry = {
        type: 'environment',
        environment: { id: key.slice(2), projectKey: 'p', key: 'k', name: 'n' },
        credentials: [],
      };
      await bus.putDirectoryEntry(key, entry);
      await until('the put', () => seen.length === 1);
      await bus.deleteDirectoryEntry(key);
      await until('the delete', () => seen.length === 2);
      watch.close();
      assert.deepEqual(
        seen.map((r) => [r.key, r.entry]),
        [
          [key, entry],
          [key, undefined],
        ],
      );
      assert.ok(seen[1]!.revision > seen[0]!.revision);
    });
  });
}
