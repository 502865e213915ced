import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Harness, systemSkip } from './support/harness.js';

// The origin restarted (SIGTERM, then started again on the same port and store) while every
// client stays connected to its edge: the edges serve from memory and the bus, the writer
// retries while the API is away, and the outbox publisher resumes where the bus left off.

const skip = await systemSkip();

describe('origin restart', { skip, timeout: 240_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h?.stop();
  });

  test('restart the origin while clients stay connected, with writes before and after', async (t) => {
    const { origin } = h.topology;
    const writer = h.writer();
    await h.writes(writer, 50);
    const streamsBefore = h.clients.map((c) => c.stats.streams);
    const stopping = Date.now();
    const exit = await origin.stop('SIGTERM');
    const stopped = Date.now() - stopping;
    assert.equal(exit.code, 0, `the origin exited with ${JSON.stringify(exit)}`);
    const acceptedWhileDown = writer.completed;
    const restarting = Date.now();
    await origin.restart();
    const restarted = Date.now() - restarting;
    const probe = await h.probe();
    await h.writes(writer, 100);
    const stats = await writer.stop();
    const converged = await h.converge();
    // Edges do not need the origin to serve: no stream may end or break. (A client starved of
    // CPU on a loaded machine may still time out on silence; that is reported, not failed.)
    const reconnected = h.clients.filter((c, i) => c.stats.streams !== (streamsBefore[i] ?? 0));
    const broken = reconnected.flatMap((c) =>
      c.stats.losses
        .filter((l) => !l.reason.startsWith('silent'))
        .map((l) => `${c.name} on ${l.endpoint}: ${l.reason}`),
    );
    assert.deepEqual(broken, [], 'no stream was ended or broken by the restart');
    const refused = Object.entries(stats.retried).map(([cause, n]) => `${cause} x${n}`);
    t.diagnostic(
      `SIGTERM -> exit 0 in ${stopped} ms; banner again ${restarted} ms after restarting`,
    );
    t.diagnostic(
      `writer: ${stats.completed} writes accepted, ${acceptedWhileDown} before the stop; retried ${refused.join(', ') || 'none'}; slowest write ${stats.slowestMs} ms`,
    );
    t.diagnostic(`probe write -> all ${h.clients.length} clients after the restart: ${probe} ms`);
    t.diagnostic(
      `clients that reconnected: ${reconnected.length}; converged ${converged.ms} ms after writes stopped (seq ${converged.expected.seq})`,
    );
  });
});
