import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectedState } from './support/convergence.js';
import { Harness, systemSkip } from './support/harness.js';

// A burst of 10,000 changes across 100 flags, written as 100 imports (PUT .../data) of the 100
// flags, each one changed: every import is one transaction appending 100 changes, so the outbox
// publishes in runs of 100 and the edges fan out as fast as the bus delivers, which is what a
// bulk migration or an automated rollout looks like. (10,000 single PATCHes would mostly measure
// the API's per-request cost on this machine, not delivery.)

const skip = await systemSkip();
const FLAGS = 100;
const ROUNDS = 100;

describe('burst', { skip, timeout: 240_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ flags: FLAGS });
  });
  after(async () => {
    await h?.stop();
  });

  test(`${FLAGS * ROUNDS} changes across ${FLAGS} flags reach every client, in order`, async (t) => {
    const { api, projectKey, environmentKey } = h.topology;
    const path = `/api/v1/projects/${projectKey}/environments/${environmentKey}/data`;
    const start = await expectedState(h.topology);
    const data = (await api.expect(200, 'GET', path)).body as {
      flags: Record<string, Record<string, unknown>>;
    };
    assert.equal(Object.keys(data.flags).length, FLAGS);
    const mark = Harness.mark(h.clients);
    const sent = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const flags: Record<string, unknown> = {};
      for (const [key, flag] of Object.entries(data.flags))
        flags[key] = { ...flag, fallthrough: { variation: round % 2 }, salt: `burst-${round}` };
      const res = await api.expect(200, 'PUT', path, { flags, segments: {} });
      assert.equal(res.body.changes, FLAGS);
    }
    const written = Date.now() - sent;
    const end = await expectedState(h.topology);
    assert.equal(end.seq - start.seq, FLAGS * ROUNDS);
    const converged = await h.converge(120_000);
    const events = h.clients.reduce((n, c) => n + c.stats.patches, 0);
    t.diagnostic(
      `${FLAGS * ROUNDS} changes written in ${written} ms (${Math.round((FLAGS * ROUNDS * 1000) / written)}/s) as ${ROUNDS} imports`,
    );
    t.diagnostic(
      `every client converged ${converged.ms} ms after the last import (${Date.now() - sent} ms after the first)`,
    );
    t.diagnostic(
      `${events} patch events received by ${h.clients.length} clients; streams cut and resumed: ${h.outagesSince(mark).ms.length} (${h.outagesSince(mark).why})`,
    );
  });
});
