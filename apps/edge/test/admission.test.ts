import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';

// Admission control for initial payloads: a slot is held only while a stream's initial payload
// is being written, so far more streams than slots connect one after another; only payloads
// still in flight at once are refused.

const SLOTS = 4;

describe('initial payload admission', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const open: AbortController[] = [];

  before(async () => {
    edge = await startEdgeServer({ maxInitialPayloadsInFlight: SLOTS });
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('f'));
    await until(() => edge.edge.status().ready, 5000, 'ready');
  });
  after(async () => {
    for (const c of open) c.abort();
    await edge.close();
  });

  const connect = async (path: string) => {
    const controller = new AbortController();
    const res = await fetch(`${edge.url}${path}`, {
      headers: { authorization: env.sdkKey },
      signal: controller.signal,
    });
    if (res.status === 200) {
      open.push(controller);
      await res.body!.getReader().read();
    }
    return res.status;
  };

  test('streams opened one after another never run out of slots', async () => {
    for (const path of ['/all', '/sdk/stream', '/vexil/v1/stream']) {
      for (let i = 0; i < SLOTS * 5; i++) assert.equal(await connect(path), 200, `${path} #${i}`);
    }
    assert.equal(edge.edge.status().streams, SLOTS * 15);
  });
});
