import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDContext } from '@launchdarkly/node-server-sdk';
import { until as eventually } from '@vexil/testkit';
import { b64, getJson, synced } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { openSse, type SseStream } from './support/sse-client.js';

// Client-side secure mode (docs/protocol.md section 4.4): every browser route that names a
// context, with no `h`, a wrong one and the right one, for single-kind, multi-kind and legacy
// contexts, the right one computed by LaunchDarkly's own Node server SDK (secureModeHash), so the
// edge agrees with what customers' backends sign. Then what is left alone (environments without
// secure mode, /ping, goals, mobile and server keys) and how open streams follow the setting and
// the SDK key's rotation.

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** What a customer's backend hands its page: LaunchDarkly's server SDK's secure-mode hash. */
function secureModeHash(sdkKey: string, context: LDContext): string {
  const client = init(sdkKey, { offline: true, logger: silent });
  try {
    return client.secureModeHash(context);
  } finally {
    client.close();
  }
}

const contexts: Record<string, LDContext> = {
  'a user': { kind: 'user', key: 'u-1', email: 'ann@example.com' },
  'another kind, with ":" and "%" in its key': { kind: 'org', key: 'acme:eu%1' },
  'a multi-kind context': {
    kind: 'multi',
    user: { key: 'u-1' },
    org: { key: 'acme:eu' },
    device: { key: 'd%9' },
  },
  'a legacy user': { key: 'legacy-user', custom: { plan: 'gold' } },
};

type Answer = { status: number; code?: string; message?: string; cors: boolean };

/** One request on a browser route; streams are read up to their first event, then closed. */
interface Route {
  readonly name: string;
  call(edge: EdgeServer, envId: string, context: LDContext, h?: string): Promise<Answer>;
}

const query = (h: string | undefined) => (h === undefined ? '' : `?h=${encodeURIComponent(h)}`);

async function answer(response: Response): Promise<Answer> {
  const cors = response.headers.get('access-control-allow-origin') !== null;
  if (response.status === 200) return { status: 200, cors };
  const body = (await response.json()) as { code: string; message: string };
  return { status: response.status, code: body.code, message: body.message, cors };
}

const poll =
  (method: 'GET' | 'REPORT', path: (envId: string, context: LDContext) => string): Route['call'] =>
  async (edge, envId, context, h) => {
    const res = await getJson(
      `${edge.url}${path(envId, context)}${query(h)}`,
      method === 'GET'
        ? { headers: { origin: 'https://shop.example' } }
        : {
            method,
            headers: { origin: 'https://shop.example', 'content-type': 'application/json' },
            body: JSON.stringify(context),
          },
    );
    const cors = res.headers.get('access-control-allow-origin') !== null;
    if (res.status === 200) {
      assert.equal((res.body as Record<string, { value: unknown }>)['checkout']?.value, true);
      return { status: 200, cors };
    }
    const body = res.body as { code: string; message: string };
    return { status: res.status, code: body.code, message: body.message, cors };
  };

const stream =
  (method: 'GET' | 'REPORT', path: (envId: string, context: LDContext) => string): Route['call'] =>
  async (edge, envId, context, h) => {
    const abort = new AbortController();
    try {
      const res = await fetch(`${edge.url}${path(envId, context)}${query(h)}`, {
        method,
        headers: {
          accept: 'text/event-stream',
          origin: 'https://shop.example',
          ...(method === 'REPORT' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'REPORT' ? { body: JSON.stringify(context) } : {}),
        signal: abort.signal,
      });
      if (res.status === 200) {
        const first = await res.body!.getReader().read();
        assert.match(Buffer.from(first.value!).toString(), /^event: put\n/);
      }
      return await answer(res);
    } finally {
      abort.abort();
    }
  };

const routes: Route[] = [
  {
    name: 'GET /sdk/evalx/{envId}/contexts/{context}',
    call: poll('GET', (id, c) => `/sdk/evalx/${id}/contexts/${b64(c)}`),
  },
  {
    name: 'GET /sdk/evalx/{envId}/users/{context}',
    call: poll('GET', (id, c) => `/sdk/evalx/${id}/users/${b64(c)}`),
  },
  {
    name: 'REPORT /sdk/evalx/{envId}/context',
    call: poll('REPORT', (id) => `/sdk/evalx/${id}/context`),
  },
  { name: 'REPORT /sdk/evalx/{envId}/user', call: poll('REPORT', (id) => `/sdk/evalx/${id}/user`) },
  { name: 'GET /eval/{envId}/{context}', call: stream('GET', (id, c) => `/eval/${id}/${b64(c)}`) },
  { name: 'REPORT /eval/{envId}', call: stream('REPORT', (id) => `/eval/${id}`) },
];

function refused(result: Answer, what: RegExp): void {
  assert.equal(result.status, 400, JSON.stringify(result));
  assert.equal(result.code, 'SECURE_MODE_HASH');
  assert.match(result.message!, what);
  assert.match(result.message!, /secureModeHash\(context\)/, 'the message says how to fix it');
  assert.ok(result.cors, 'a page can read why it was refused');
}

describe('client-side secure mode', () => {
  let clock = Date.now();
  let edge: EdgeServer;
  let secure: TestEnvironment;
  let open: TestEnvironment;
  const streams: SseStream[] = [];

  const seed = async (key: string) => {
    const env = await edge.origin.addEnvironment(key);
    await edge.origin.put(env, 'flag', ldFlag('checkout'));
    await synced(edge, env);
    return env;
  };
  const evalStream = async (env: TestEnvironment, context: LDContext, h?: string) => {
    const s = await openSse(`${edge.url}/eval/${env.id}/${b64(context)}${query(h)}`);
    streams.push(s);
    return s;
  };
  const opened = async (s: SseStream) => {
    assert.equal(s.status, 200);
    assert.equal((await s.next()).event, 'put');
    return s;
  };
  /** Waits until the edge answers a poll for `context` with `h` by `status` (its directory caught up). */
  const pollAnswers = (env: TestEnvironment, context: LDContext, h: string, status: number) =>
    eventually(`a poll with h answered ${status}`, async () => {
      const url = `${edge.url}/sdk/evalx/${env.id}/contexts/${b64(context)}${query(h)}`;
      return (await fetch(url)).status === status;
    });

  before(async () => {
    edge = await startEdgeServer({}, 0, { now: () => clock });
    secure = await seed('secure');
    await edge.origin.setSecureMode(secure, true);
    open = await seed('open');
  });
  after(async () => {
    for (const s of streams) s.close();
    await edge.close();
  });

  for (const route of routes) {
    describe(route.name, () => {
      for (const [name, context] of Object.entries(contexts)) {
        test(`${name}: no h and a wrong h are 400, the server SDK's hash is served`, async () => {
          refused(await route.call(edge, secure.id, context), /is in secure mode: add \?h=/);
          const other = secureModeHash(secure.sdkKey, { kind: 'user', key: 'someone-else' });
          refused(await route.call(edge, secure.id, context, other), /h does not match/);
          refused(await route.call(edge, secure.id, context, 'not-hex'), /h does not match/);
          const signedElsewhere = secureModeHash(open.sdkKey, context);
          refused(await route.call(edge, secure.id, context, signedElsewhere), /h does not match/);
          const h = secureModeHash(secure.sdkKey, context);
          assert.equal((await route.call(edge, secure.id, context, h)).status, 200);
          assert.equal(
            (await route.call(edge, secure.id, context, h.toUpperCase())).status,
            200,
            'hex in either case',
          );
        });
      }

      test('an environment without secure mode ignores h', async () => {
        const context = contexts['a user']!;
        assert.equal((await route.call(edge, open.id, context)).status, 200);
        assert.equal((await route.call(edge, open.id, context, 'wrong')).status, 200);
      });
    });
  }

  test('/ping, goals, and the mobile and server-side routes need no h', async () => {
    const ping = await openSse(`${edge.url}/ping/${secure.id}`);
    streams.push(ping);
    assert.equal(ping.status, 200);
    assert.equal((await ping.next()).event, 'ping');
    ping.close();
    assert.equal((await fetch(`${edge.url}/sdk/goals/${secure.id}`)).status, 200);
    const context = b64(contexts['a user']);
    for (const [path, key] of [
      [`/msdk/evalx/contexts/${context}`, secure.mobileKey],
      [`/sdk/evalx/contexts/${context}`, secure.sdkKey],
    ] as const) {
      const res = await fetch(`${edge.url}${path}`, { headers: { authorization: key } });
      assert.equal(res.status, 200, path);
    }
    const mobile = await openSse(`${edge.url}/meval/${context}`, {
      headers: { authorization: secure.mobileKey },
    });
    streams.push(mobile);
    await opened(mobile);
    mobile.close();
  });

  test('turning secure mode on closes the streams opened without a hash; off leaves them', async () => {
    const env = await seed('toggled');
    const user = contexts['a user']!;
    const unsigned = await opened(await evalStream(env, user));
    const early = await opened(await evalStream(env, user, secureModeHash(env.sdkKey, user)));
    await edge.origin.setSecureMode(env, true);
    assert.equal(await unsigned.ended(), true, 'the stream without a hash is closed');
    assert.equal(await early.ended(), true, 'as is every stream the edge did not verify');
    assert.equal((await evalStream(env, user)).status, 400, 'its reconnect is refused');

    const signed = await opened(await evalStream(env, user, secureModeHash(env.sdkKey, user)));
    await edge.origin.setSecureMode(env, true); // rewritten (as by a rename): nothing closes
    await edge.origin.setSecureMode(env, false);
    await edge.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
    assert.equal((await signed.next()).event, 'patch', 'the verified stream stays open');
    await pollAnswers(env, user, 'no-hash-needed', 200);
    await opened(await evalStream(env, user));
  });

  test('a rotated SDK key: its hashes work until its expiry, then its streams close', async () => {
    const env = await seed('rotated');
    await edge.origin.setSecureMode(env, true);
    const user = contexts['a multi-kind context']!;
    const firstKey = env.sdkKey;
    const first = await opened(await evalStream(env, user, secureModeHash(firstKey, user)));

    await edge.origin.rotateSdkKey(env, clock + 60_000);
    await pollAnswers(env, user, secureModeHash(env.sdkKey, user), 200);
    const second = await opened(await evalStream(env, user, secureModeHash(env.sdkKey, user)));
    const late = await opened(await evalStream(env, user, secureModeHash(firstKey, user)));
    assert.equal(await first.ended(100), false, 'the old key still verifies during its grace');

    clock += 61_000;
    assert.equal(await first.ended(), true, 'expired: the streams it verified close');
    assert.equal(await late.ended(), true);
    assert.equal((await evalStream(env, user, secureModeHash(firstKey, user))).status, 400);

    // Rotated with no grace: the key's credential goes, and the streams it verified with it.
    const secondKey = env.sdkKey;
    await edge.origin.rotateSdkKey(env);
    assert.equal(await second.ended(), true);
    assert.equal((await evalStream(env, user, secureModeHash(secondKey, user))).status, 400);
    await opened(await evalStream(env, user, secureModeHash(env.sdkKey, user)));
  });
});
