import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  adminRequest,
  failureLine,
  json,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// Approvals from the command line against a real `vexil start`: an environment set to require
// approval, a toggle there that becomes a request, and another token approving or rejecting it.

describe('vexil requests', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const tokens: Record<string, string> = {};
  const vexil = (...args: string[]) => runCli(args, server!.clientEnv, work.path);
  const as = (who: string, ...args: string[]) => vexil(...args, '--token', tokens[who]!);
  const flagOn = async () => {
    const flag = json(await vexil('flags', 'get', 'approved-flag', '--json'));
    return flag.environments.production.on as boolean;
  };

  before(async () => {
    data = await tempDir();
    work = await tempDir('vexil-cli-work-');
    server = await startServer(data.path);
    for (const name of ['alice', 'bob']) {
      tokens[name] = json(
        await vexil('tokens', 'create', name, '--role', 'writer', '--json'),
      ).token;
    }
    const res = await adminRequest(server, 'POST', '/projects/default/flags', {
      key: 'approved-flag',
      variations: [{ value: true }, { value: false }],
    });
    assert.equal(res.status, 201, await res.text());
  });

  after(async () => {
    killServer(server);
    await data.remove();
    await work.remove();
  });

  test('envs set --require-approval needs an admin, and shows in envs get and list', async () => {
    const refused = await as('alice', 'envs', 'set', 'production', '--require-approval', 'on');
    assert.equal(refused.code, 1);
    assert.match(failureLine(refused), /admin/);
    const bad = await vexil('envs', 'set', 'production', '--require-approval', 'maybe');
    assert.equal(bad.code, 2);
    assert.match(failureLine(bad), /--require-approval must be "on" or "off"/);
    const set = await vexil('envs', 'set', 'production', '--require-approval', 'on');
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /^Require approval\s+on: flag targeting changes become change requests/m,
    );
    assert.match((await vexil('envs', 'list')).stdout, /^production\s.*\srequired\s/m);
  });

  test('a toggle there says the request was created; another token approves it', async () => {
    const toggled = await as(
      'alice',
      'flags',
      'toggle',
      'approved-flag',
      '--env',
      'production',
      '--on',
    );
    assert.equal(toggled.code, 0, toggled.stderr);
    const m = /^request (\S+) created, waiting for approval/m.exec(toggled.stdout);
    assert.ok(m, toggled.stdout);
    const id = m[1]!;
    assert.equal(await flagOn(), false, 'not applied yet');

    const list = await vexil('requests', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+FLAG\s+ENV\s+STATUS\s+BY\s+CREATED\s+CHANGE$/m);
    assert.match(
      list.stdout,
      new RegExp(`^${id}\\s+approved-flag\\s+production\\s+pending\\s+alice\\s`, 'm'),
    );

    const own = await as('alice', 'requests', 'approve', id);
    assert.equal(own.code, 1);
    assert.match(failureLine(own), /another member must approve it/);

    const approved = await as('bob', 'requests', 'approve', id);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`^Approved and applied request ${id}$`, 'm'));
    assert.match(approved.stdout, /^Status\s+approved$/m);
    assert.equal(await flagOn(), true);
    assert.match((await vexil('requests', 'list')).stdout, /^No pending change requests$/m);
    assert.match(
      (await vexil('requests', 'list', '--status', 'approved')).stdout,
      new RegExp(`^${id}\\s`, 'm'),
    );
  });

  test('requests reject needs --reason and records it', async () => {
    const toggled = await as(
      'alice',
      'flags',
      'toggle',
      'approved-flag',
      '--env',
      'production',
      '--off',
      '--json',
    );
    const request = json(toggled);
    assert.equal(request.status, 'pending');
    const missing = await as('bob', 'requests', 'reject', request.id);
    assert.equal(missing.code, 2);
    assert.match(failureLine(missing), /--reason/);
    const rejected = await as(
      'bob',
      'requests',
      'reject',
      request.id,
      '--reason',
      'not on a Friday',
    );
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /^Reason\s+not on a Friday$/m);
    assert.equal(await flagOn(), true);
    const again = await as('bob', 'requests', 'approve', request.id);
    assert.equal(again.code, 1);
    assert.match(failureLine(again), /is rejected, not pending/);
  });
});
