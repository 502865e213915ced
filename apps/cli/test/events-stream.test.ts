import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  killServer,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// The dashboard's change stream (GET /api/v1/projects/{project}/events, docs/protocol.md
// section 9) as `vexil start` serves it: through the port's front door and the API's rate limits,
// and ended at once by a graceful shutdown rather than holding it up to its timeout.

const WAIT_MS = 10_000;

/** The text of a stream as it arrives; `until` waits (with a deadline) for a pattern in it. */
async function openStream(url: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  let text = '';
  let ended = false;
  const done = (async () => {
    try {
      for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) text += chunk;
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  return {
    get ended() {
      return ended;
    },
    async until(pattern: RegExp): Promise<void> {
      const deadline = Date.now() + WAIT_MS;
      while (!pattern.test(text)) {
        if (ended) throw new Error(`the stream ended without ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${WAIT_MS} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    done,
    close: () => controller.abort(),
  };
}

describe('vexil start: the change stream', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
  });
  after(async () => {
    killServer(server);
    await data.remove();
  });

  test('a change made through the API arrives on the stream; no token, no stream', async () => {
    const url = `${server!.url}/api/v1/projects/default/events`;
    const refused = await fetch(url);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="vexil"');
    const stream = await openStream(url, server!.adminToken);
    await stream.until(/event: ready\n/);
    const patched = await fetch(`${server!.url}/api/v1/projects/default/flags/new-checkout`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${server!.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify([{ op: 'replace', path: '/environments/production/on', value: false }]),
    });
    assert.equal(patched.status, 200);
    await stream.until(
      /event: change\nid: \d+\ndata: \{[^\n]*"action":"flag\.update"[^\n]*"environmentKey":"production","kind":"flag","key":"new-checkout"/,
    );
    stream.close();
  });

  test('SIGTERM ends open streams at once and exits 0 without waiting for them', async () => {
    const stream = await openStream(
      `${server!.url}/api/v1/projects/default/events`,
      server!.adminToken,
    );
    await stream.until(/event: ready\n/);
    const started = Date.now();
    assert.equal(await stopServer(server!, 'SIGTERM'), 0);
    // The shutdown timeout is 10 s: an open stream that held the server would take that long.
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    await stream.done;
    assert.ok(stream.ended);
  });
});
