import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  failureLine,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// Whatever goes wrong, the CLI says so in exactly one line on stderr and exits non-zero:
// 1 when the request or the API failed, 2 when the command line is wrong.

async function closedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

describe('vexil errors', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const vexil = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { ...server!.clientEnv, ...env });

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
  });

  after(async () => {
    killServer(server);
    await data.remove();
  });

  const cases: readonly {
    name: string;
    args: string[];
    env?: Record<string, string>;
    code: number;
    line: RegExp;
  }[] = [
    {
      name: 'an unknown feature flag',
      args: ['flags', 'get', 'no-such-flag'],
      code: 1,
      line: /^vexil: flag "no-such-flag" in project "default" does not exist$/,
    },
    {
      name: 'an unknown option',
      args: ['flags', 'list', '--colour'],
      code: 2,
      line: /^vexil: unknown option --colour for "vexil flags list"/,
    },
    {
      name: 'an option without its value',
      args: ['flags', 'toggle', 'new-checkout', '--env'],
      code: 2,
      line: /^vexil: --env needs a value$/,
    },
    {
      name: 'a missing required option',
      args: ['flags', 'rollout', 'new-checkout', '--weights', '50,50'],
      code: 2,
      line: /needs --env <env>/,
    },
    {
      name: 'a missing argument',
      args: ['flags', 'create'],
      code: 2,
      line: /^vexil: "vexil flags create" needs <key>/,
    },
    {
      name: 'an extra argument',
      args: ['projects', 'list', 'extra'],
      code: 2,
      line: /^vexil: unexpected argument "extra"/,
    },
    {
      name: 'an unknown command',
      args: ['flgs', 'list'],
      code: 2,
      line: /^vexil: unknown command "flgs"; run "vexil help"/,
    },
    {
      name: 'a group without a command',
      args: ['segments'],
      code: 2,
      line: /needs a command: list, get, create, delete$/,
    },
    {
      name: 'weights that do not add up',
      args: ['flags', 'rollout', 'new-checkout', '--env', 'test', '--weights', '30,60'],
      code: 2,
      line: /--weights must add up to 100 \(they add up to 90\)/,
    },
    {
      name: 'weights for the wrong number of variations',
      args: ['flags', 'rollout', 'new-checkout', '--env', 'test', '--weights', '50,25,25'],
      code: 2,
      line: /has 2 variations/,
    },
    {
      name: 'both --on and --off',
      args: ['flags', 'toggle', 'new-checkout', '--env', 'test', '--on', '--off'],
      code: 2,
      line: /--on or --off, not both/,
    },
    {
      name: 'variations that are not a JSON array',
      args: ['flags', 'create', 'x', '--variations', '{"a":1}'],
      code: 2,
      line: /--variations must be a non-empty JSON array/,
    },
    {
      name: 'a conflict reported by the API',
      args: ['flags', 'create', 'new-checkout'],
      code: 1,
      line: /^vexil: flag "new-checkout" already exists in project "default"$/,
    },
    {
      name: 'a key that looks like an option',
      args: ['projects', 'create', '-bad-key'],
      code: 2,
      line: /unknown option/,
    },
    {
      name: 'an invalid key reported by the API',
      args: ['envs', 'create', 'has space'],
      code: 1,
      line: /^vexil: key: must match/,
    },
    {
      name: 'an environment the flag is not in',
      args: ['flags', 'toggle', 'new-checkout', '--env', 'qa'],
      code: 1,
      line: /not served in environment "qa" \(it is in: production, test\)/,
    },
    {
      name: 'a file that does not exist',
      args: ['import', 'no-such-file.json', '--env', 'test'],
      code: 1,
      line: /cannot read .*no-such-file\.json: ENOENT/,
    },
    {
      name: 'a NATS namespace that is not a subject token',
      args: ['origin', '--bus-namespace', 'prod.eu'],
      code: 2,
      line: /^vexil: --bus-namespace must be 1 to 64 lowercase letters, digits, _ or -/,
    },
    {
      name: 'an edge NATS namespace from the environment',
      args: ['edge', '--bus', 'nats://127.0.0.1:4222', '--origin', 'http://127.0.0.1:1'],
      env: { VEXIL_EDGE_TOKEN: 'token', VEXIL_BUS_NAMESPACE: 'Staging' },
      code: 2,
      line: /^vexil: VEXIL_BUS_NAMESPACE must be 1 to 64 lowercase letters/,
    },
    {
      name: 'a rate limit that is no rate',
      args: ['start', '--rate-limit-api', 'fast'],
      code: 2,
      line: /^vexil: --rate-limit-api must be <requests per second>\/<burst> such as 50\/200, or off \(got "fast"\)$/,
    },
    {
      name: 'an edge trusting a proxy that is no address',
      args: ['edge', '--upstream', 'http://127.0.0.1:1', '--rate-limit-sdk', 'off'],
      env: { VEXIL_EDGE_TOKEN: 'token', VEXIL_TRUST_PROXY: 'lb.internal' },
      code: 2,
      line: /^vexil: VEXIL_TRUST_PROXY must be addresses or CIDR blocks/,
    },
  ];

  for (const c of cases) {
    test(`${c.name}: exit ${c.code}, one line`, async () => {
      const result = await vexil(c.args, c.env);
      assert.equal(result.code, c.code, result.stderr);
      assert.match(failureLine(result), c.line);
      assert.equal(result.stdout, '');
    });
  }

  test('a bad token', async () => {
    const result = await runCli(['projects', 'list', '--token', 'vxl_wrong'], {
      VEXIL_URL: server!.url,
    });
    assert.equal(result.code, 1);
    assert.match(
      failureLine(result),
      /the API token is unknown or revoked.*\(check VEXIL_TOKEN or --token\)$/,
    );
  });

  test('no token at all is a usage error', async () => {
    const result = await runCli(['projects', 'list'], { VEXIL_URL: server!.url });
    assert.equal(result.code, 2);
    assert.match(failureLine(result), /no API token: set VEXIL_TOKEN or pass --token/);
  });

  test('a server that is down: the line names the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['flags', 'list'], { VEXIL_URL: url, VEXIL_TOKEN: 'vxl_x' });
    assert.equal(result.code, 1);
    assert.equal(
      failureLine(result),
      `vexil: cannot reach the Vexil API at ${url}: connection refused (is "vexil start" running? set VEXIL_URL or --url)`,
    );
  });

  test('--url wins over VEXIL_URL, and a bad one is a usage error', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const ok = await runCli(['projects', 'list', '--url', server!.url], {
      VEXIL_URL: down,
      VEXIL_TOKEN: server!.adminToken,
    });
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await vexil(['projects', 'list', '--url', 'not a url']);
    assert.equal(bad.code, 2);
    assert.match(failureLine(bad), /--url must be a URL/);
  });

  test('help lists every command and exits 0', async () => {
    for (const args of [['help'], ['--help'], []]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      for (const command of [
        'start',
        'projects list',
        'envs rotate <env>',
        'flags rollout <key>',
        'segments create <key>',
        'import <file>',
        'export',
        'audit',
        'tokens revoke <id>',
      ])
        assert.ok(result.stdout.includes(`vexil ${command}`), `${args.join(' ')}: ${command}`);
    }
    const group = await runCli(['flags', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /vexil flags toggle <key> --env <env> \[--on\|--off\]/);
    const command = await runCli(['flags', 'rollout', '--help']);
    assert.match(command.stdout, /^Usage: vexil flags rollout <key> --env <env> --weights 30,70/);
    const start = await runCli(['start', '--help']);
    assert.match(start.stdout, /VEXIL_DATA_DIR/);
  });

  test('--version prints the version', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
