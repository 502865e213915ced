import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRandom } from '@vexil/testkit';
import type { CloseReason } from '../src/stream/stream-connection.js';
import { jitteredLifetime, StreamHub, type StreamHubOptions } from '../src/stream/stream-hub.js';
import type { StreamMember } from '../src/stream/stream-member.js';
import { shuffle } from '../src/stream/shuffle.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ManualClock } from './support/manual-clock.js';
import { recordSse, type RecordedSse } from './support/sse-recorder.js';

// Stream lifetimes, heartbeats and the drain on a manual clock and scheduler with a seeded or
// scripted random source: the hub's timing rules, checked exactly and in milliseconds.

/** The largest double below 1: the top of Math.random's range. */
const BELOW_ONE = 1 - 2 ** -53;

/** A random source that returns `values` in turn (then starts over). */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

/** A hub member that records what the hub did to it, as an SSE or WebSocket stream would. */
class FakeMember implements StreamMember {
  credentialId = '';
  deadline = Number.POSITIVE_INFINITY;
  closed = false;
  heartbeats = 0;
  reason: CloseReason | undefined;

  constructor(
    private readonly onClose: (member: StreamMember, reason: CloseReason) => void,
    /** Where the member notes itself when closed: the order streams were closed in. */
    private readonly closings: FakeMember[],
  ) {}

  heartbeat(): void {
    this.heartbeats++;
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    this.closings.push(this);
    this.onClose(this, reason);
  }
}

/** A hub whose clock ticks once a second on `clock`, as the edge's shared clock does. */
function hubOn(clock: ManualClock, options: Partial<StreamHubOptions> = {}) {
  const hub = new StreamHub({
    maxBufferBytes: 64 * 1024,
    heartbeatMs: 30_000,
    maxLifetimeMs: 0,
    lifetimeJitter: 0,
    now: clock.now,
    scheduler: clock,
    random: createRandom(1).next,
    ...options,
  });
  clock.every(1_000, () => hub.tick());
  const closings: FakeMember[] = [];
  const open = () =>
    hub.adopt(
      { credentialId: 'c', environmentId: 'e', format: 'test' },
      (onClose) => new FakeMember(onClose, closings),
    );
  return { hub, open, closings };
}

/** Lets the drain's `await` continue after its pause fired. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('stream lifetime jitter', () => {
  test('shortens a lifetime by up to the jitter fraction, never lengthens it', () => {
    assert.equal(
      jitteredLifetime(60_000, 0.2, () => 0),
      60_000,
    );
    assert.equal(
      jitteredLifetime(60_000, 0, () => BELOW_ONE),
      60_000,
    );
    const shortest = jitteredLifetime(60_000, 0.2, () => BELOW_ONE);
    // (1 - 0.2 * BELOW_ONE) rounds to 0.8: the lower bound is reached, never crossed.
    assert.ok(shortest >= 48_000 && shortest < 48_001, `${shortest} at 80 %`);
  });

  test('spreads lifetimes over the whole jitter range, within its bounds', () => {
    const random = createRandom(7).next;
    const lifetimes = Array.from({ length: 10_000 }, () => jitteredLifetime(10_000, 0.2, random));
    const low = Math.min(...lifetimes);
    const high = Math.max(...lifetimes);
    assert.ok(low >= 8_000 && high <= 10_000, `${low}..${high} within [8000, 10000]`);
    assert.ok(low < 8_010 && high > 9_990, `${low}..${high} spans the range`);
  });
});

describe('stream hub timing', () => {
  test('closes a stream on the tick of its jittered deadline, not before', () => {
    const clock = new ManualClock();
    // 10 s shortened by half of 20 %: a 9 s lifetime.
    const { hub, open } = hubOn(clock, {
      maxLifetimeMs: 10_000,
      lifetimeJitter: 0.2,
      random: () => 0.5,
    });
    const member = open();
    assert.equal(member.deadline, clock.now() + 9_000);
    clock.advance(8_000);
    assert.equal(member.closed, false);
    clock.advance(1_000);
    assert.equal(member.reason, 'lifetime');
    assert.equal(hub.size, 0);
    assert.equal(hub.closes.get('lifetime'), 1);
  });

  test('streams opened together expire apart, each within its jitter bounds', () => {
    const clock = new ManualClock();
    const { open } = hubOn(clock, { maxLifetimeMs: 60_000, lifetimeJitter: 0.2 });
    const start = clock.now();
    const members = Array.from({ length: 200 }, open);
    for (const m of members)
      assert.ok(m.deadline >= start + 48_000 && m.deadline <= start + 60_000);
    clock.advance(47_000);
    assert.ok(
      members.every((m) => !m.closed),
      'none before 80 % of the lifetime',
    );
    clock.advance(6_000);
    const early = members.filter((m) => m.closed).length;
    assert.ok(early > 0 && early < members.length, `${early} of 200 closed by 53 s: spread`);
    clock.advance(7_000);
    assert.ok(
      members.every((m) => m.reason === 'lifetime'),
      'all by the full lifetime',
    );
  });

  test('heartbeats every heartbeatMs from the shared tick; no lifetime when it is 0', () => {
    const clock = new ManualClock();
    const { open } = hubOn(clock, { heartbeatMs: 2_000 });
    const member = open();
    clock.advance(1_000);
    assert.equal(member.heartbeats, 0);
    clock.advance(1_000);
    assert.equal(member.heartbeats, 1);
    clock.advance(3_600_000);
    assert.equal(member.heartbeats, 1_801);
    assert.equal(member.closed, false);
    assert.equal(member.deadline, Number.POSITIVE_INFINITY);
  });

  test('drains in batches spread over the window, in a shuffled order', async () => {
    const clock = new ManualClock();
    const { hub, open, closings: closedOrder } = hubOn(clock, { random: createRandom(3).next });
    const members = Array.from({ length: 10 }, open);
    // 200 ms: 4 batches (one per 50 ms) of 3, 3, 3 and 1, with 50 ms pauses between them.
    const draining = hub.drain(200);
    const closedAfter = [closedOrder.length];
    for (let i = 0; i < 3; i++) {
      clock.advance(49);
      await settle();
      assert.equal(closedOrder.length, closedAfter.at(-1), 'nothing before the pause ends');
      clock.advance(1);
      await settle();
      closedAfter.push(closedOrder.length);
    }
    await draining;
    assert.deepEqual(closedAfter, [3, 6, 9, 10]);
    assert.ok(members.every((m) => m.reason === 'drain'));
    assert.deepEqual(closedOrder, shuffle(members.slice(), createRandom(3).next));
    assert.notDeepEqual(closedOrder, members, 'not in the order they opened');
  });
});

describe('edge stream lifetimes on an injected clock and random source', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const streams: RecordedSse[] = [];
  const clock = new ManualClock();

  before(async () => {
    edge = await startEdgeServer(
      { heartbeatMs: 60_000, maxStreamLifetimeMs: 4_000, lifetimeJitter: 0.5 },
      0,
      // The first stream keeps its whole lifetime, the second loses (almost) all of the jitter.
      { now: clock.now, scheduler: clock, random: scripted(0, BELOW_ONE) },
    );
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await edge.close();
  });

  const open = async () => {
    const sse = await recordSse(`${edge.url}/sdk/stream`, { authorization: env.sdkKey });
    streams.push(sse);
    await sse.waitFor(3);
    return sse;
  };

  test("the edge's random source sets each stream's lifetime within the jitter bounds", async () => {
    const full = await open();
    const shortest = await open();
    clock.advance(1_000);
    assert.equal(edge.edge.status().streams, 2);
    clock.advance(1_000);
    await shortest.waitForEnd();
    assert.equal(shortest.events.at(-1)?.event, 'goodbye');
    clock.advance(1_000);
    assert.equal(edge.edge.status().streams, 1, 'the other lives on to its full lifetime');
    clock.advance(1_000);
    await full.waitForEnd();
    assert.equal(full.events.at(-1)?.event, 'goodbye');
  });
});

test("closing the edge cancels its clock's timer", async () => {
  const clock = new ManualClock();
  const server = await startEdgeServer({}, 0, { now: clock.now, scheduler: clock });
  assert.equal(clock.pending, 1, 'the shared once-a-second clock');
  await server.close();
  assert.equal(clock.pending, 0);
});
