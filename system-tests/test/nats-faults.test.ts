import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { until, type NatsServerProcess } from '@vexil/testkit';
import { expectedState } from './support/convergence.js';
import { spread } from './support/figures.js';
import { Harness, systemSkip } from './support/harness.js';
import { changeStreamCluster } from './support/jetstream.js';

// The bus failing under the deployment: the node leading the change stream killed (SIGKILL)
// while writes continue, then the whole 3-node cluster killed for 10 s and restarted on the
// same ports and store dirs. Writes go to PostgreSQL and never fail; the origin's outbox
// publishes them once the bus is back, and the edges catch up from their cursors.

const skip = await systemSkip();

describe('NATS faults', { skip, timeout: 240_000 }, () => {
  let h: Harness;
  let nodes: readonly NatsServerProcess[];
  before(async () => {
    h = await Harness.start();
    nodes = h.topology.natsNodes;
  });
  after(async () => {
    await h?.stop();
  });

  test('kill the NATS node leading the change stream while writes continue', async (t) => {
    const writer = h.writer();
    await h.writes(writer, 50);
    const before = await changeStreamCluster(nodes);
    assert.ok(before !== undefined && before.replicas.length === 2, JSON.stringify(before));
    const victim = nodes.find((n) => n.options.name === before.leader)!;
    const mark = Harness.mark(h.clients);
    const killed = Date.now();
    await victim.stop('SIGKILL');
    let leader: string | undefined;
    await until(
      'a new stream leader',
      async () => {
        leader = (await changeStreamCluster(nodes))?.leader;
        return leader !== undefined && leader !== before.leader;
      },
      30_000,
      100,
    );
    const elected = Date.now() - killed;
    const probe = await h.probe();
    await h.writes(writer, 100);
    const stats = await writer.stop();
    assert.deepEqual(stats.retried, {}, 'no API write failed');
    const converged = await h.converge();

    const restarted = Date.now();
    await victim.start();
    await until(
      'every replica of the stream to be current',
      async () => {
        const info = await changeStreamCluster(nodes);
        return (
          info !== undefined && info.replicas.length === 2 && info.replicas.every((r) => r.current)
        );
      },
      30_000,
      100,
    );
    const healed = Date.now() - restarted;
    const probeAfter = await h.probe();
    await h.converge();
    t.diagnostic(`leader ${before.leader} killed; ${String(leader)} elected within ${elected} ms`);
    t.diagnostic(
      `probe write -> all ${h.clients.length} clients right after the election: ${probe} ms`,
    );
    t.diagnostic(
      `writes accepted: ${stats.completed}, none failed; converged ${converged.ms} ms after writes stopped (seq ${converged.expected.seq})`,
    );
    t.diagnostic(
      `${before.leader} restarted on its port and store: replicas current in ${healed} ms; probe ${probeAfter} ms`,
    );
    t.diagnostic(`streams lost by clients: ${h.outagesSince(mark).ms.length}`);
  });

  test('all of NATS down for 10 s: writes succeed, the outbox publishes them when it returns', async (t) => {
    const writer = h.writer();
    await h.writes(writer, 50);
    const mark = Harness.mark(h.clients);
    const down = Date.now();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    const acceptedBefore = writer.completed;
    // The one deliberate wait of the suite: the outage itself, with writes going on.
    await delay(10_000);
    const acceptedDuring = writer.completed - acceptedBefore;
    assert.ok(acceptedDuring > 0, 'writes were accepted while NATS was down');
    const readyz = await Promise.all(h.topology.edges.map((e) => e.readiness()));
    const streaming = h.clients.filter((c) => c.streaming).length;
    const behind = await expectedState(h.topology);

    const up = Date.now();
    await Promise.all(nodes.map((n) => n.start()));
    await until(
      `every client to reach seq ${behind.seq}`,
      () => h.clients.every((c) => (c.seq ?? 0) >= behind.seq),
      90_000,
      20,
    );
    const caughtUp = Date.now() - up;
    await h.writes(writer, 50);
    const stats = await writer.stop();
    assert.deepEqual(stats.retried, {}, 'no API write failed');
    const converged = await h.converge();
    assert.equal(streaming, h.clients.length, 'clients stayed connected to their edges');
    t.diagnostic(
      `writes accepted while NATS was down (10 s): ${acceptedDuring}; origin seq ${behind.seq} at restart`,
    );
    t.diagnostic(
      `edges' /readyz during the outage: ${readyz.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join('; ')}`,
    );
    t.diagnostic(`clients streaming during the outage: ${streaming}/${h.clients.length}`);
    t.diagnostic(
      `every client had the writes made during the outage ${caughtUp} ms after NATS was started again (${Date.now() - down} ms since it went down)`,
    );
    t.diagnostic(
      `writes accepted: ${stats.completed}; converged ${converged.ms} ms after writes stopped (seq ${converged.expected.seq})`,
    );
    const lost = h.outagesSince(mark);
    t.diagnostic(`streams lost after NATS came back: ${spread(lost.ms)} (${lost.why})`);
  });
});
