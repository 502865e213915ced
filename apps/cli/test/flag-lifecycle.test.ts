import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import {
  failureLine,
  json,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// A flag's life after creation, and projects and tokens, as a user types them against a real
// `vexil start`: flags edit / archive / restore / delete, projects create, tokens create /
// list (with the last use) / revoke.

describe('vexil flag lifecycle, projects and tokens', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const vexil = (...args: string[]) => runCli(args, server!.clientEnv);

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
    const created = await vexil(
      'flags',
      'create',
      'colour',
      '--name',
      'Colour',
      '--variations',
      '["red","green","blue"]',
    );
    assert.equal(created.code, 0, created.stderr);
    // production: on, serves blue by default; off serves green (index 1) as created.
    assert.equal(
      (await vexil('flags', 'rollout', 'colour', '--env', 'production', '--weights', '0,0,100'))
        .code,
      0,
    );
    assert.equal((await vexil('flags', 'toggle', 'colour', '--env', 'production', '--on')).code, 0);
  });

  after(async () => {
    killServer(server);
    await data.remove();
  });

  test('flags edit: name, description, tags and temporary', async () => {
    const edited = await vexil(
      'flags',
      'edit',
      'colour',
      '--name',
      'Button colour',
      '--description',
      'Colour of the pay button',
      '--tags',
      'checkout,ui',
      '--temporary',
      'off',
    );
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /^Updated flag colour$/m);
    assert.match(edited.stdout, /^Name\s+Button colour$/m);
    assert.match(edited.stdout, /^Tags\s+checkout, ui$/m);
    assert.match(edited.stdout, /^Lifetime\s+permanent$/m);
    const flag = json(await vexil('flags', 'get', 'colour', '--json'));
    assert.equal(flag.description, 'Colour of the pay button');
    const cleared = json(await vexil('flags', 'edit', 'colour', '--tags', '', '--json'));
    assert.deepEqual(cleared.tags, []);
  });

  test('flags edit --variations reorders by value: names and targeting follow', async () => {
    assert.equal(
      (await vexil('flags', 'edit', 'colour', '--variation-names', 'Red,Green,Blue')).code,
      0,
    );
    const res = await vexil(
      'flags',
      'edit',
      'colour',
      '--variations',
      '["blue","red","green","yellow"]',
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Variation 0\s+"blue"\s+\(Blue\)$/m);
    assert.match(res.stdout, /^Variation 3\s+"yellow"$/m);
    // Still serves blue in production: the rollout moved with it.
    assert.match(res.stdout, /^In production\s+on, serves 0% "red" \/ 0% "green" \/ 100% "blue"$/m);
    const flag = json(await vexil('flags', 'get', 'colour', '--json'));
    assert.equal(flag.environments.production.offVariation, 2, 'green moved from 1 to 2');
  });

  test('flags edit --set-value changes a value in place', async () => {
    const res = await vexil('flags', 'edit', 'colour', '--set-value', '0="navy"', '--json');
    const flag = json(res);
    assert.deepEqual(flag.variations[0], { value: 'navy', name: 'Blue' });
    assert.equal(flag.environments.production.fallthrough.rollout.variations[2].variation, 0);
  });

  test('removing a variation in use fails with one line naming where it is used', async () => {
    const res = await vexil('flags', 'edit', 'colour', '--variations', '["red","yellow"]');
    assert.equal(res.code, 1);
    const line = failureLine(res);
    assert.match(line, /variation 0 \("Blue": "navy"\) is in use, so it cannot be removed/);
    assert.match(line, /default rule \(rollout, 100%\) in production/);
    // Unused ones can go.
    const ok = json(
      await vexil('flags', 'edit', 'colour', '--variations', '["navy","red","green"]', '--json'),
    );
    assert.deepEqual(
      ok.variations.map((v: { value: string }) => v.value),
      ['navy', 'red', 'green'],
    );
  });

  test('flags edit usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['flags', 'edit', 'colour'], /give what to change/],
      [['flags', 'edit', 'colour', '--temporary', 'maybe'], /--temporary must be "on" or "off"/],
      [['flags', 'edit', 'colour', '--variations', '[]'], /non-empty JSON array/],
      [['flags', 'edit', 'colour', '--variations', 'red'], /--variations must be JSON/],
      [['flags', 'edit', 'colour', '--set-value', 'x'], /<index>=<JSON value>/],
      [
        ['flags', 'edit', 'colour', '--set-value', '9="x"'],
        /the flag has 3 variation\(s\), 0 to 2/,
      ],
      [['flags', 'edit', 'colour', '--variation-names', 'A'], /one name per variation: 3/],
      [['flags', 'edit', 'colour', '--variations', '["a"]', '--set-value', '0="b"'], /not both/],
    ];
    for (const [args, message] of cases) {
      const res = await vexil(...args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(failureLine(res), message);
    }
    const missing = await vexil('flags', 'edit', 'nope', '--name', 'x');
    assert.equal(missing.code, 1);
    assert.match(failureLine(missing), /flag "nope" in project "default" does not exist/);
  });

  test('flags archive and restore; list --archived', async () => {
    const archived = await vexil('flags', 'archive', 'colour');
    assert.equal(archived.code, 0, archived.stderr);
    assert.match(archived.stdout, /^Archived flag colour: SDKs no longer get it/);
    assert.doesNotMatch((await vexil('flags', 'list')).stdout, /^colour\s/m);
    assert.match((await vexil('flags', 'list', '--archived')).stdout, /^colour\s+Button colour/m);
    const restored = await vexil('flags', 'restore', 'colour');
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored flag colour$/m);
    assert.match((await vexil('flags', 'list')).stdout, /^colour\s/m);
    const actions = json(await vexil('audit', '--flag', 'colour', '--limit', '2', '--json')).items;
    assert.deepEqual(
      actions.map((e: { action: string }) => e.action),
      ['flag.restore', 'flag.archive'],
    );
  });

  test('flags delete refuses a prerequisite of another flag, then deletes', async () => {
    const child = await vexil('flags', 'create', 'child');
    assert.equal(child.code, 0, child.stderr);
    const flag = json(await vexil('flags', 'get', 'child', '--json'));
    const patch = await fetch(`${server!.url}/api/v1/projects/default/flags/child`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${server!.adminToken}`,
        'content-type': 'application/json-patch+json',
        'if-match': `"${flag.version}"`,
      },
      body: JSON.stringify([
        {
          op: 'add',
          path: '/environments/production/prerequisites/-',
          value: { key: 'colour', variation: 0 },
        },
      ]),
    });
    assert.equal(patch.status, 200);
    const refused = await vexil('flags', 'delete', 'colour');
    assert.equal(refused.code, 1);
    assert.match(
      failureLine(refused),
      /cannot delete flag "colour": it is a prerequisite of "child"/,
    );
    assert.equal((await vexil('flags', 'delete', 'child')).code, 0);
    assert.equal((await vexil('flags', 'delete', 'colour')).stdout, 'Deleted flag colour\n');
    assert.equal((await vexil('flags', 'get', 'colour')).code, 1);
  });

  test('projects create, then flags in it', async () => {
    const created = await vexil('projects', 'create', 'web-shop', '--name', 'Web shop');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created project web-shop$/m);
    assert.equal((await vexil('envs', 'create', 'live', '--project', 'web-shop')).code, 0);
    const flag = json(await vexil('flags', 'create', 'promo', '--project', 'web-shop', '--json'));
    assert.deepEqual(Object.keys(flag.environments), ['live']);
    const taken = await vexil('projects', 'create', 'web-shop');
    assert.equal(taken.code, 1);
    assert.match(failureLine(taken), /project "web-shop" already exists/);
  });

  test('tokens list shows when each token was last used', async () => {
    const created = json(
      await vexil('tokens', 'create', 'deploy-bot', '--role', 'writer', '--json'),
    );
    const row = (stdout: string) => stdout.split('\n').find((l) => l.startsWith(created.id)) ?? '';
    const listed = await vexil('tokens', 'list');
    assert.match(listed.stdout, /^ID\s+NAME\s+ROLE\s+CREATED\s+LAST USED\s+REVOKED$/m);
    assert.match(row(listed.stdout), /\s+deploy-bot\s+writer\s+\S+ \S+\s+never$/);

    const bot = { VEXIL_URL: server!.url, VEXIL_TOKEN: created.token as string };
    assert.equal((await runCli(['flags', 'list'], bot)).code, 0);
    await until(
      'the token use to be recorded',
      async () =>
        json(await vexil('tokens', 'list', '--json')).items.find(
          (t: { id: string }) => t.id === created.id,
        ).lastUsedAt !== undefined,
      10_000,
      100,
    );
    assert.match(
      row((await vexil('tokens', 'list')).stdout),
      /\s+deploy-bot\s+writer\s+\S+ \S+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    assert.equal((await vexil('tokens', 'revoke', created.id)).code, 0);
    assert.match(
      row((await vexil('tokens', 'list')).stdout),
      /\s+writer(\s+\S+ \S+){3}$/,
      'created, last used, revoked',
    );
    assert.equal((await runCli(['flags', 'list'], bot)).code, 1);
  });
});
