import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createNatsBus, type NatsBus, type NatsBusOptions } from '@vexil/bus/nats';
import { serviceSkip, services, until } from '@vexil/testkit';
import { replayStart } from '../src/nats/replay-start.js';
import { change, collect, runBusContract } from './contract.js';

const skip = await serviceSkip('nats');

/** A stream name and subject prefix of their own, so runs never see each other's data. */
function isolated(): { servers: string; streamName: string; subjectPrefix: string } {
  const id = randomBytes(5).toString('hex');
  return {
    servers: services.nats,
    streamName: `VEXIL_TEST_${id}`,
    subjectPrefix: `vexiltest.${id}`,
  };
}

async function deleteStreams(streamName: string): Promise<void> {
  const nc = await connect({ servers: services.nats });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [streamName, `${streamName}_DIRECTORY`])
      await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}

let envCounter = 0;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const envId = () => `e${Date.now().toString(36)}${(envCounter++).toString(36)}`;

if (skip !== undefined) {
  test('nats bus', (t) => t.skip(skip));
} else {
  const opened: { streamName: string; buses: NatsBus[] }[] = [];
  runBusContract('nats', {
    async open({ retain }) {
      const options = { ...isolated(), maxMsgsPerSubject: retain };
      const bus = createNatsBus(options);
      opened.push({ streamName: options.streamName, buses: [bus] });
      await bus.ready();
      return bus;
    },
    async cleanup() {
      for (const { streamName } of opened.splice(0)) await deleteStreams(streamName);
    },
  });

  describe('nats bus', () => {
    const options = { ...isolated(), maxMsgsPerSubject: 1_000, heartbeatMs: 500 };
    let bus: NatsBus;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    const extra: NatsBus[] = [];
    const streamsToDelete: string[] = [options.streamName];
    const another = async (more: Partial<NatsBusOptions> = {}) => {
      const b = createNatsBus({ ...options, ...more });
      extra.push(b);
      await b.ready();
      return b;
    };

    before(async () => {
      bus = createNatsBus(options);
      await bus.ready();
      nc = await connect({ servers: services.nats });
      jsm = await jetstreamManager(nc);
    });
    after(async () => {
      for (const b of extra) await b.close();
      await bus.close();
      for (const name of streamsToDelete) await deleteStreams(name);
      await nc.close();
    });

    /** The seqs a stream holds for an environment, in stream order, read raw (not via a bus). */
    async function stored(
      env: string,
      stream = options.streamName,
      prefix = options.subjectPrefix,
    ) {
      const seqs: number[] = [];
      for (let from = 1; ;) {
        // next_by_subj: the first message on the subject at or after `from` (nats-server 2.9+).
        const query = { seq: from, next_by_subj: `${prefix}.changes.${env}` };
        const m = await jsm.streams.getMessage(stream, query as unknown as { seq: number });
        if (m === null) return seqs;
        seqs.push((JSON.parse(m.string()) as { seq: number }).seq);
        from = m.seq + 1;
      }
    }

    test('creates the streams with the replay window, file storage and dedupe window', async () => {
      const changes = await jsm.streams.info(options.streamName);
      assert.deepEqual(changes.config.subjects, [`${options.subjectPrefix}.changes.*`]);
      assert.equal(changes.config.max_msgs_per_subject, 1_000);
      assert.equal(changes.config.storage, 'file');
      assert.equal(changes.config.retention, 'limits');
      assert.equal(changes.config.discard, 'old');
      assert.equal(changes.config.duplicate_window, 120_000_000_000);
      const directory = await jsm.streams.info(`${options.streamName}_DIRECTORY`);
      assert.deepEqual(directory.config.subjects, [`${options.subjectPrefix}.directory.>`]);
      assert.equal(directory.config.max_msgs_per_subject, 1);
    });

    test('updates the stream settings it owns when they change', async () => {
      const own = isolated();
      streamsToDelete.push(own.streamName);
      const first = await another({ ...own, maxMsgsPerSubject: 2_000 });
      await first.close();
      const second = await another({ ...own, maxMsgsPerSubject: 3_000, replicas: 1 });
      await second.close();
      assert.equal((await jsm.streams.info(own.streamName)).config.max_msgs_per_subject, 3_000);
    });

    test('replays from any seq of an environment interleaved with others', async () => {
      const [a, b, c] = [envId(), envId(), envId()];
      for (let seq = 1; seq <= 60; seq++) {
        await bus.publish(change(a, seq));
        if (seq % 3 === 0) await bus.publish(change(b, seq / 3));
        if (seq % 7 === 0) await bus.publish(change(c, seq / 7));
      }
      const replay = async (afterSeq: number, count: number) => {
        const got = collect(count, 5_000);
        const sub = bus.subscribe({ environmentId: a, afterSeq }, got.onChange);
        return {
          async seqs() {
            await got.wait();
            sub.close();
            return got.received.map((x) => x.seq);
          },
        };
      };
      for (const afterSeq of [0, 1, 2, 17, 31, 58, 59]) {
        const expected = Array.from({ length: 60 - afterSeq }, (_, i) => afterSeq + i + 1);
        assert.deepEqual(await (await replay(afterSeq, expected.length)).seqs(), expected);
      }
      // The catch-up starts at 32's stream sequence: found by search, not by replaying 1..31.
      const subject = `${options.subjectPrefix}.changes.${a}`;
      const start = await replayStart(jsm, options.streamName, subject, 31);
      const m32 = await jsm.streams.getMessage(options.streamName, { seq: start });
      assert.equal((JSON.parse(m32?.string() ?? '{}') as { seq?: number }).seq, 32);
      assert.equal(m32?.subject, subject);

      const upToDate = await replay(60, 1);
      await bus.publish(change(a, 61));
      assert.deepEqual(await upToDate.seqs(), [61]);
      const ahead = await replay(75, 1);
      await bus.publish(change(a, 62));
      await bus.publish(change(a, 76));
      assert.deepEqual(await ahead.seqs(), [76]);
    });

    test('one consumer reads every subscribed environment; catching up while changes keep coming misses none', async () => {
      const envs = Array.from({ length: 20 }, envId);
      for (const env of envs)
        for (let seq = 1; seq <= 5; seq++) await bus.publish(change(env, seq));
      const publishing = (async () => {
        for (let seq = 6; seq <= 30; seq++)
          for (const env of envs) await bus.publish(change(env, seq));
      })();
      const got = new Map(envs.map((env) => [env, [] as number[]]));
      const subs = [];
      for (const env of envs) {
        subs.push(
          bus.subscribe({ environmentId: env, afterSeq: 2 }, (c) => got.get(env)!.push(c.seq)),
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(subs.map((sub) => sub.ready));
      await publishing;
      await until('every environment through seq 30', () =>
        envs.every((env) => got.get(env)!.length >= 28),
      );
      for (const env of envs) assert.deepEqual(got.get(env), range(3, 30), env);
      const filters: string[] = [];
      for await (const ci of jsm.consumers.list(options.streamName))
        filters.push(ci.config.filter_subject ?? '');
      assert.deepEqual(filters, [`${options.subjectPrefix}.changes.*`]);
      for (const sub of subs) sub.close();
    });

    test('without afterSeq delivers only changes published after subscribing', async () => {
      const env = envId();
      for (let seq = 1; seq <= 5; seq++) await bus.publish(change(env, seq));
      const c = collect(2);
      const sub = bus.subscribe({ environmentId: env }, c.onChange);
      // The subscription is set up in the background.
      await sub.ready;
      await bus.publish(change(env, 6));
      await bus.publish(change(env, 7));
      const got = await c.wait();
      sub.close();
      assert.deepEqual(
        got.map((x) => x.seq),
        [6, 7],
      );
    });

    test('two buses publishing the same change log store each seq once, in order', async () => {
      const env = envId();
      const other = await another();
      const log = Array.from({ length: 40 }, (_, i) => change(env, i + 1));
      await Promise.all(
        [bus, other].map(async (b, i) => {
          for (const c of log) {
            await b.publish(c);
            if ((c.seq + i) % 5 === 0) await new Promise((r) => setImmediate(r));
          }
        }),
      );
      assert.deepEqual(
        await stored(env),
        log.map((c) => c.seq),
      );
      assert.equal(await other.lastPublishedSeq(env), 40);
    });

    test('a seq published again after the duplicate window is still dropped', async () => {
      const own = { ...isolated(), duplicateWindowMs: 100 };
      streamsToDelete.push(own.streamName);
      const [origin1, origin2] = [await another(own), await another(own)];
      const env = envId();
      await origin1.publish(change(env, 1));
      assert.equal(await origin2.lastPublishedSeq(env), 1); // origin2 now believes the tail is 1
      await origin1.publish(change(env, 2));
      await origin1.publish(change(env, 3));
      await new Promise((r) => setTimeout(r, 150)); // past the duplicate window
      await origin2.publish(change(env, 2)); // the compare-and-set fails, the tail is re-read
      await origin2.publish(change(env, 3));
      await origin2.publish(change(env, 4));
      assert.deepEqual(await stored(env, own.streamName, own.subjectPrefix), [1, 2, 3, 4]);
    });

    test('marks each change with Nats-Msg-Id <environmentId>:<seq>', async () => {
      const env = envId();
      await bus.publish(change(env, 1));
      const m = await jsm.streams.getMessage(options.streamName, {
        last_by_subj: `${options.subjectPrefix}.changes.${env}`,
      });
      assert.equal(m?.header.get('Nats-Msg-Id'), `${env}:1`);
      const ack = await jetstream(nc).publish(`${options.subjectPrefix}.changes.${env}`, 'x', {
        msgID: `${env}:1`,
      });
      assert.equal(ack.duplicate, true);
    });

    test('a subscriber that throws keeps receiving', async () => {
      const env = envId();
      const seen: number[] = [];
      const c = collect(3);
      const sub = bus.subscribe({ environmentId: env, afterSeq: 0 }, (x) => {
        seen.push(x.seq);
        c.onChange(x);
        if (x.seq === 1) throw new Error('subscriber bug');
      });
      for (let seq = 1; seq <= 3; seq++) await bus.publish(change(env, seq));
      await c.wait();
      sub.close();
      assert.deepEqual(seen, [1, 2, 3]);
    });

    test('rejects a directory key that is not one', async () => {
      await assert.rejects(bus.getDirectoryEntry('c.not-a-hash'), {
        code: 'INVALID_DIRECTORY_KEY',
      });
      await assert.rejects(bus.putDirectoryEntry('e.a.b', { type: 'synced', at: 1 }), {
        code: 'INVALID_DIRECTORY_KEY',
      });
    });

    test('rejects an environment id that cannot be a subject token', async () => {
      await assert.rejects(bus.publish(change('a.b', 1)), { code: 'INVALID_ENVIRONMENT_ID' });
      assert.throws(() => bus.subscribe({ environmentId: 'a*' }, () => undefined), {
        code: 'INVALID_ENVIRONMENT_ID',
      });
    });

    test('rejects invalid options with INVALID_OPTIONS', () => {
      assert.throws(() => createNatsBus({ servers: [] }), { code: 'INVALID_OPTIONS' });
      assert.throws(() => createNatsBus({ servers: services.nats, streamName: 'a.b' }), {
        code: 'INVALID_OPTIONS',
      });
      assert.throws(() => createNatsBus({ servers: services.nats, replicas: 0 }), {
        code: 'INVALID_OPTIONS',
      });
    });

    test('a process that closes its buses exits without waiting on timers or sockets', async () => {
      const env = envId();
      const script = `
        import { createNatsBus } from '@vexil/bus/nats';
        const bus = createNatsBus(${JSON.stringify({ ...options, heartbeatMs: 500 })});
        await bus.ready();
        const got = new Promise((resolve) => {
          bus.subscribe({ environmentId: '${env}', afterSeq: 0 }, resolve);
        });
        bus.watchDirectory(() => undefined);
        await bus.publish(${JSON.stringify(change(env, 1))});
        await got;
        await bus.close();
        // And one that never reached a server: its connect retries must stop too.
        const unreachable = createNatsBus({ servers: 'nats://127.0.0.1:1', reconnectTimeWaitMs: 50 });
        unreachable.subscribe({ environmentId: '${env}' }, () => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await unreachable.close();
      `;
      const packageDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
      const started = Date.now();
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          cwd: packageDir,
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('the process did not exit within 10 s of closing the bus'));
        }, 10_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    });
  });
}
