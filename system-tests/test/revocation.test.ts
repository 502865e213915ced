import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTopology, type Topology } from '@vexil/testkit';
import { systemSkip } from './support/harness.js';

// Revoking a credential ends what it opened on every edge: an SDK key rotated with no grace
// closes its server-side streams, a mobile key its mobile streams, an edge token the relay feeds
// it holds, and an API token is refused on the very connection it was used on. Each stream is
// held open on both edges of a distributed deployment when the credential is revoked, and the
// time from the API's answer to the last stream's end is reported.

const skip = await systemSkip();

/** A long-lived response held open: resolves `ended` when the server closes it. */
interface Held {
  readonly status: number;
  readonly ended: Promise<number>;
}

/**
 * Opens a stream; a new environment's credentials reach an edge's directory a moment after the
 * API answers, so a 401 or 503 before that is retried for a while.
 */
async function hold(url: string, headers: Record<string, string>): Promise<Held> {
  let res = await fetch(url, { headers });
  for (const deadline = Date.now() + 10_000; res.status !== 200 && Date.now() < deadline;) {
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 100));
    res = await fetch(url, { headers });
  }
  if (res.status !== 200) return { status: res.status, ended: Promise.resolve(Date.now()) };
  const reader = res.body!.getReader();
  await reader.read(); // the first event: the stream is open and served
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // a reset is an end too
    }
    return Date.now();
  })();
  return { status: res.status, ended };
}

/** Resolves with the end time, or rejects if the stream is still open after `ms`. */
function endedWithin(held: Held, ms: number, what: string): Promise<number> {
  return Promise.race([
    held.ended,
    new Promise<number>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} still open ${ms} ms after revocation`)),
        ms,
      ).unref(),
    ),
  ]);
}

describe('revocation on every edge', { skip, timeout: 120_000 }, () => {
  let topology: Topology;
  let env: { key: string; sdkKey: string; mobileKey: string };
  const context = Buffer.from(JSON.stringify({ kind: 'user', key: 'u1' })).toString('base64url');

  before(async () => {
    topology = await startTopology({ edges: 2, relay: false, flags: 2 });
    const created = await topology.api.expect(
      201,
      'POST',
      `/api/v1/projects/${topology.projectKey}/environments`,
      { key: 'revocation', name: 'Revocation' },
    );
    env = created.body as typeof env;
  });
  after(async () => {
    await topology?.stop();
  });

  async function revokeAndTime(
    t: { diagnostic(message: string): void },
    what: string,
    held: readonly Held[],
    revoke: () => Promise<void>,
  ): Promise<void> {
    for (const h of held) assert.equal(h.status, 200, `${what}: stream opened`);
    await revoke();
    const revoked = Date.now();
    const ends = await Promise.all(held.map((h, i) => endedWithin(h, 10_000, `${what} ${i}`)));
    t.diagnostic(`${what}: every stream closed ${Math.max(...ends) - revoked} ms after revocation`);
  }

  test('an SDK key rotated with no grace period closes its streams on both edges', async (t) => {
    const held = await Promise.all(
      topology.edges.map((e) => hold(`${e.url}/all`, { authorization: env.sdkKey })),
    );
    await revokeAndTime(t, 'SDK key', held, async () => {
      await topology.api.expect(
        200,
        'POST',
        `/api/v1/projects/${topology.projectKey}/environments/${env.key}/keys/sdk/rotate`,
      );
    });
    for (const e of topology.edges) {
      const again = await fetch(`${e.url}/sdk/latest-all`, {
        headers: { authorization: env.sdkKey },
      });
      assert.equal(again.status, 401, `${e.url} refuses the old key`);
    }
  });

  test('a mobile key rotated with no grace period closes its streams on both edges', async (t) => {
    const held = await Promise.all(
      topology.edges.map((e) =>
        hold(`${e.url}/meval/${context}`, { authorization: env.mobileKey }),
      ),
    );
    await revokeAndTime(t, 'mobile key', held, async () => {
      await topology.api.expect(
        200,
        'POST',
        `/api/v1/projects/${topology.projectKey}/environments/${env.key}/keys/mobile/rotate`,
      );
    });
  });

  test('a revoked edge token closes the relay feeds it holds on both edges', async (t) => {
    const created = await topology.api.expect(201, 'POST', '/api/v1/tokens', {
      name: 'a relay to revoke',
      role: 'edge',
    });
    const { id, token } = created.body as { id: string; token: string };
    const held = await Promise.all(
      topology.edges.map((e) =>
        hold(`${e.url}/vexil/v1/relay`, { authorization: `Bearer ${token}` }),
      ),
    );
    await revokeAndTime(t, 'edge token', held, async () => {
      await topology.api.expect(204, 'DELETE', `/api/v1/tokens/${id}`);
    });
  });

  test('a revoked API token is refused on the connection it was used on', async () => {
    const created = await topology.api.expect(201, 'POST', '/api/v1/tokens', {
      name: 'a reader to revoke',
      role: 'reader',
    });
    const { id, token } = created.body as { id: string; token: string };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${topology.origin.url}/api/v1/projects`,
          { agent, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            sockets.add(res.socket);
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      assert.equal(await get(), 200);
      await topology.api.expect(204, 'DELETE', `/api/v1/tokens/${id}`);
      assert.equal(await get(), 401);
      assert.equal(sockets.size, 1, 'both requests went over one kept-alive connection');
    } finally {
      agent.destroy();
    }
  });
});
