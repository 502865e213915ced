import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import {
  json,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// The delivery network view: `vexil start`'s built-in edge reports itself; the API and the CLI
// show it with the environments it holds (those its clients used), sequence numbers and lag.

describe('vexil network', () => {
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

  test('lists the built-in edge, in step with every environment a client used', async () => {
    for (const env of ['production', 'test']) {
      const { sdkKey } = json(await runCli(['envs', 'get', env, '--json'], server!.clientEnv));
      const poll = await fetch(`${server!.url}/sdk/latest-all`, {
        headers: { authorization: sdkKey },
      });
      assert.equal(poll.status, 200);
    }
    interface NetworkView {
      edges: {
        id: string;
        status: string;
        upstream: string;
        environments: { key: string; seq: number; lag: number }[];
      }[];
    }
    let view: NetworkView | undefined;
    await until(
      'the built-in edge to report both environments',
      async () => {
        const result = await runCli(['network', '--json'], server!.clientEnv);
        assert.equal(result.code, 0, result.stderr);
        view = json(result);
        return view!.edges.length > 0 && view!.edges[0]!.environments.length === 2;
      },
      10_000,
      100,
    );
    const edge = view!.edges[0]!;
    assert.match(edge.id, /^start-/);
    assert.equal(edge.upstream, 'embedded');
    assert.equal(edge.status, 'ok');
    assert.deepEqual(edge.environments.map((e) => e.key).sort(), ['production', 'test']);
    assert.ok(edge.environments.every((e) => e.lag === 0 && e.seq > 0));
    const table = await runCli(['network'], server!.clientEnv);
    assert.match(table.stdout, /^EDGE\s+REGION\s+STATUS/m);
    assert.match(table.stdout, /start-\S+\s+default\s+ok\s+embedded/);
  });
});
