import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  adminRequest,
  killServer,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// Revoking an edge token closes the relay feed it holds open, as revoking an SDK key closes the
// SDK streams that use it; a new connection with it is refused.

describe('revocation of an edge token', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;

  const api = (method: string, path: string, body?: unknown) =>
    adminRequest(server!, method, path, body);

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
  });
  after(async () => {
    killServer(server);
    await data.remove();
  });

  test('closes the open relay feed and refuses the token from then on', async () => {
    const created = await api('POST', '/tokens', { name: 'relay', role: 'edge' });
    assert.equal(created.status, 201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const relay = () =>
      fetch(`${server!.url}/vexil/v1/relay`, { headers: { authorization: `Bearer ${token}` } });
    const feed = await relay();
    assert.equal(feed.status, 200);
    const reader = feed.body!.getReader();
    await reader.read(); // the feed is open and has sent its first events
    assert.equal((await api('DELETE', `/tokens/${id}`)).status, 204);
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000));
    assert.equal(await Promise.race([ended, timeout]), true, 'the feed ended after revocation');
    await reader.cancel().catch(() => undefined);
    assert.equal((await relay()).status, 401);
  });
});
