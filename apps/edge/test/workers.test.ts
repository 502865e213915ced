import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, describe, test } from 'node:test';
import {
  feedWorker,
  ipcUpstream,
  silentLogger,
  type IpcChannel,
  type WorkerChannel,
} from '@vexil/edge';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag } from './support/fake-origin.js';
import { openSse, type SseStream } from './support/sse-client.js';

// A worker of a multi-process edge, fed by its primary over an IPC-like channel (messages
// cloned and delivered asynchronously, as process.send does): it resolves credentials through
// the primary, asks it for the environments its clients use, and keeps serving a stream when
// the primary evicts that environment on a use report that was out of date.

const running: EdgeServer[] = [];
const streams: SseStream[] = [];
after(async () => {
  for (const s of streams) s.close();
  await Promise.all(running.map((e) => e.close()));
});

/** Both ends of one worker's channel. */
function channel(): { worker: IpcChannel; primary: WorkerChannel } {
  const toWorker = new EventEmitter();
  const toPrimary = new EventEmitter();
  const post = (to: EventEmitter, message: unknown) =>
    setImmediate(() => to.emit('message', structuredClone(message)));
  return {
    worker: {
      on: (event, listener) => toWorker.on(event, listener),
      off: (event, listener) => toWorker.off(event, listener),
      send: (message) => (post(toPrimary, message), true),
    },
    primary: {
      send: (message) => (post(toWorker, message), true),
      on: (event: string, listener: (message: unknown) => void) => toPrimary.on(event, listener),
    },
  };
}

async function primaryAndWorker() {
  const primary = await startEdgeServer({ environmentIdleMs: 300 });
  running.push(primary);
  const pipe = channel();
  feedWorker(primary.edge, pipe.primary, () => undefined);
  const worker = await startEdgeServer({}, 0, { upstream: ipcUpstream(pipe.worker, silentLogger) });
  running.push(worker);
  await until(() => worker.edge.status().ready, 5_000, 'the worker ready');
  return { primary, worker };
}

describe('multi-process edge: a worker and its primary', () => {
  test('the worker resolves keys and loads environments through the primary', async () => {
    const { primary, worker } = await primaryAndWorker();
    const env = await primary.origin.addEnvironment('served');
    await primary.origin.put(env, 'flag', ldFlag('f'));
    const res = await fetch(`${worker.url}/sdk/latest-all`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(((await res.json()) as { flags: object }).flags), ['f']);
    const unknown = await fetch(`${worker.url}/sdk/latest-all`, {
      headers: { authorization: 'sdk-unknown' },
    });
    assert.equal(unknown.status, 401);
    assert.deepEqual(
      primary.edge.status().environments.map((e) => e.key),
      ['served'],
      'the primary holds what the worker asked for',
    );
  });

  test("a worker's stream survives the primary evicting its environment", async () => {
    const { primary, worker } = await primaryAndWorker();
    const env = await primary.origin.addEnvironment('streamed');
    await primary.origin.put(env, 'flag', ldFlag('f'));
    const stream = await openSse(`${worker.url}/all`, { headers: { authorization: env.sdkKey } });
    streams.push(stream);
    assert.equal((await stream.next()).event, 'put');
    // No use reports reach the primary here: it evicts after 300 ms, and the worker, which
    // still holds a stream, has it loaded again (a fresh put).
    assert.equal((await stream.next(5_000)).event, 'put');
    await primary.origin.put(env, 'flag', ldFlag('g'));
    const patch = await stream.next();
    assert.equal(patch.event, 'patch');
    assert.match(patch.data, /"key":"g"/);
  });
});
