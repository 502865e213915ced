import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  fetchJson,
  killServer,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// SDK keys, mobile keys and API tokens never appear in the logs, whatever the log level and
// whatever requests use them (valid or not). The banner prints the demo keys on purpose; the
// check covers every JSON log line.

describe('logs never hold credentials', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const secrets: string[] = [];

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path, { VEXIL_LOG_LEVEL: 'trace' });
    secrets.push(server.adminToken);
  });
  after(async () => {
    killServer(server);
    await data.remove();
  });

  test('after requests with valid and invalid keys and tokens, at trace level', async () => {
    const url = server!.url;
    const admin = server!.adminToken;
    const env = (await fetchJson(`${url}/api/v1/projects/default/environments/production`, admin))
      .body as {
      sdkKey: string;
      mobileKey: string;
      clientSideId: string;
    };
    secrets.push(env.sdkKey, env.mobileKey);
    const created = (await fetch(`${url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci', role: 'writer' }),
    }).then((r) => r.json())) as { token: string };
    secrets.push(created.token);
    const rotated = (await fetch(
      `${url}/api/v1/projects/default/environments/production/keys/sdk/rotate`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ expiresInSeconds: 60 }),
      },
    ).then((r) => r.json())) as { sdkKey: string };
    secrets.push(rotated.sdkKey);
    const wrong = [
      'sdk-00000000-1111-2222-3333-444444444444',
      'mob-00000000-1111-2222-3333-444444444444',
      'vxl_not-a-real-token-xyz',
    ];
    secrets.push(...wrong);
    const requests: [string, string][] = [
      ['/sdk/latest-all', env.sdkKey],
      ['/sdk/latest-all', rotated.sdkKey],
      ['/sdk/latest-all', wrong[0]!],
      ['/msdk/evalx/contexts/eyJrZXkiOiJ1In0', env.mobileKey],
      ['/msdk/evalx/contexts/eyJrZXkiOiJ1In0', wrong[1]!],
      ['/api/v1/projects', `Bearer ${created.token}`],
      ['/api/v1/projects', `Bearer ${wrong[2]!}`],
      ['/api/v1/nope', `Bearer ${admin}`],
    ];
    for (const [path, authorization] of requests) {
      const res = await fetch(url + path, { headers: { authorization } });
      await res.arrayBuffer();
    }
    const ofrep = await fetch(`${url}/ofrep/v1/evaluate/flags/new-checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.sdkKey}`, 'content-type': 'application/json' },
      body: '{"context": {"targetingKey": "u"}}',
    });
    await ofrep.arrayBuffer();
    assert.equal(await stopServer(server!), 0);
    const logLines = server!
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    assert.ok(logLines.length > 5, 'there are log lines to check');
    for (const line of logLines) {
      for (const secret of secrets)
        assert.ok(!line.includes(secret), `a log line holds a credential: ${line.slice(0, 200)}`);
    }
  });
});
