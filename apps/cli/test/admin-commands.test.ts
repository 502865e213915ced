import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { init } from '@launchdarkly/node-server-sdk';
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

// Every admin command against a real `vexil start`, as a user would type them.

const LD_DATA = {
  flags: {
    'imported-flag': {
      key: 'imported-flag',
      version: 7,
      on: true,
      variations: ['red', 'green', 'blue'],
      offVariation: 0,
      fallthrough: {
        rollout: {
          variations: [
            { variation: 1, weight: 60000 },
            { variation: 2, weight: 40000 },
          ],
        },
      },
      targets: [{ values: ['alice'], variation: 1 }],
      rules: [
        {
          id: 'nz',
          clauses: [{ attribute: 'country', op: 'in', values: ['NZ'], negate: false }],
          variation: 2,
        },
      ],
      prerequisites: [],
      salt: 'imported-salt',
    },
  },
  segments: {
    vip: { key: 'vip', version: 3, included: ['alice', 'bob'], excluded: [], rules: [], salt: 's' },
  },
};

/** What must survive an import/export: the flag's behaviour, not its version. */
function behaviour(flag: Record<string, unknown>) {
  const { version: _v, ...rest } = flag;
  return rest;
}

describe('vexil admin commands', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const vexil = (...args: string[]) => runCli(args, server!.clientEnv, work.path);

  before(async () => {
    data = await tempDir();
    work = await tempDir('vexil-cli-work-');
    server = await startServer(data.path);
  });

  after(async () => {
    killServer(server);
    await data.remove();
    await work.remove();
  });

  test('projects list prints a table, and --json the API response', async () => {
    const table = await vexil('projects', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^KEY\s+NAME\s+CREATED$/m);
    assert.match(table.stdout, /^default\s+Default project\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    assert.deepEqual(
      json(await vexil('projects', 'list', '--json')).items.map((p: { key: string }) => p.key),
      ['default'],
    );
  });

  test('projects create, get and delete', async () => {
    const created = json(
      await vexil('projects', 'create', 'mobile-app', '--name', 'Mobile app', '--json'),
    );
    assert.deepEqual([created.key, created.name], ['mobile-app', 'Mobile app']);
    const shown = await vexil('projects', 'get', 'mobile-app');
    assert.match(shown.stdout, /^Name\s+Mobile app$/m);
    const env = json(await vexil('envs', 'create', 'dev', '--project', 'mobile-app', '--json'));
    assert.equal(env.projectKey, 'mobile-app');
    assert.equal((await vexil('projects', 'delete', 'mobile-app')).code, 0);
    const gone = await vexil('projects', 'get', 'mobile-app');
    assert.equal(gone.code, 1);
    assert.match(failureLine(gone), /project "mobile-app" does not exist/);
  });

  test('envs list and rotate, keeping the old SDK key for --expires-in', async () => {
    const list = await vexil('envs', 'list');
    assert.match(list.stdout, /^production\s+Production\s+[0-9a-f]{24}\s+off\s+\d+/m);
    const before = json(await vexil('envs', 'get', 'production', '--json'));
    const rotated = json(
      await vexil('envs', 'rotate', 'production', '--key', 'sdk', '--expires-in', '3600', '--json'),
    );
    assert.notEqual(rotated.sdkKey, before.sdkKey);
    assert.equal(rotated.expiringSdkKey.key, before.sdkKey);
    assert.ok(rotated.expiringSdkKey.expiresAt > Date.now() + 3500_000);
    assert.equal(rotated.mobileKey, before.mobileKey);

    const mobile = await vexil('envs', 'rotate', 'production', '--key', 'mobile');
    assert.equal(mobile.code, 0, mobile.stderr);
    assert.match(mobile.stdout, /^Rotated the mobile key of production$/m);
    const after = json(await vexil('envs', 'get', 'production', '--json'));
    assert.notEqual(after.mobileKey, before.mobileKey);
    assert.equal(after.expiringMobileKey, undefined, 'without --expires-in the old key stops now');
  });

  test('envs create and set --secure-mode; the edge of vexil start then wants the hash', async () => {
    const created = json(await vexil('envs', 'create', 'web', '--secure-mode', 'on', '--json'));
    assert.equal(created.secureMode, true);
    assert.match(
      (await vexil('envs', 'get', 'web')).stdout,
      /^Secure mode\s+on: browser requests need h/m,
    );
    const context = { kind: 'user', key: 'u-1' };
    const evalx = (h?: string) =>
      fetch(
        `${server!.url}/sdk/evalx/${created.clientSideId}/contexts/${Buffer.from(JSON.stringify(context)).toString('base64url')}${h === undefined ? '' : `?h=${h}`}`,
      );
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const ld = init(created.sdkKey, { offline: true, logger: silent });
    const hash = ld.secureModeHash(context);
    ld.close();
    // The edge hears of the new environment through the directory, a moment after the API.
    await until('the edge to refuse a request without h', async () => {
      const res = await evalx();
      const body = (await res.json()) as { code?: string };
      return res.status === 400 && body.code === 'SECURE_MODE_HASH';
    });
    assert.equal((await evalx(hash)).status, 200);

    const off = await vexil('envs', 'set', 'web', '--secure-mode', 'off', '--name', 'Web shop');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^Updated environment web$/m);
    assert.match(off.stdout, /^Name\s+Web shop$/m);
    assert.match(off.stdout, /^Secure mode\s+off$/m);
    assert.match((await vexil('envs', 'list')).stdout, /^web\s+Web shop\s+[0-9a-f]{24}\s+off\s/m);
    const audit = await vexil('audit', '--env', 'web', '--json');
    assert.equal(json(audit).items[0].action, 'environment.update');

    const bad = await vexil('envs', 'set', 'web', '--secure-mode', 'yes');
    assert.equal(bad.code, 2);
    assert.match(failureLine(bad), /--secure-mode must be "on" or "off" \(got "yes"\)/);
    const nothing = await vexil('envs', 'set', 'web');
    assert.equal(nothing.code, 2);
    assert.match(failureLine(nothing), /give --name or --secure-mode on\|off/);
    assert.equal((await vexil('envs', 'delete', 'web')).code, 0, 'the later tests see two');
  });

  test('flags create, toggle, rollout, list and get', async () => {
    const created = json(
      await vexil(
        'flags',
        'create',
        'checkout-color',
        '--name',
        'Checkout colour',
        '--description',
        'Colour of the pay button',
        '--tags',
        'checkout,ui',
        '--variations',
        '["red","green","blue"]',
        '--json',
      ),
    );
    assert.deepEqual(created.variations, [{ value: 'red' }, { value: 'green' }, { value: 'blue' }]);
    assert.deepEqual(created.tags, ['checkout', 'ui']);
    assert.equal(created.environments.production.on, false);

    const on = await vexil('flags', 'toggle', 'checkout-color', '--env', 'production', '--on');
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /^checkout-color in production: on, serves "red"$/m);
    const again = await vexil('flags', 'toggle', 'checkout-color', '--env', 'production', '--on');
    assert.match(again.stdout, /^Unchanged: /);
    const flipped = json(
      await vexil('flags', 'toggle', 'checkout-color', '--env', 'test', '--json'),
    );
    assert.equal(flipped.environments.test.on, true);

    const rollout = await vexil(
      'flags',
      'rollout',
      'checkout-color',
      '--env',
      'production',
      '--weights',
      '33.333,33.333,33.334',
    );
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /serves 33\.333% "red" \/ 33\.333% "green" \/ 33\.334% "blue"/);

    const flag = json(await vexil('flags', 'get', 'checkout-color', '--json'));
    assert.deepEqual(flag.environments.production.fallthrough, {
      rollout: {
        variations: [
          { variation: 0, weight: 33333 },
          { variation: 1, weight: 33333 },
          { variation: 2, weight: 33334 },
        ],
      },
    });
    assert.equal(flag.environments.production.on, true);
    assert.equal(flag.environments.test.fallthrough.variation, 0, 'other environments untouched');

    const shown = await vexil('flags', 'get', 'checkout-color', '--env', 'production');
    assert.match(shown.stdout, /^Tags\s+checkout, ui$/m);
    assert.match(shown.stdout, /^Variation 2\s+"blue"$/m);
    assert.match(shown.stdout, /^In production\s+on, serves 33\.333% "red"/m);
    assert.doesNotMatch(shown.stdout, /^In test/m);

    const byTag = json(await vexil('flags', 'list', '--tag', 'ui', '--json'));
    assert.deepEqual(
      byTag.items.map((f: { key: string }) => f.key),
      ['checkout-color'],
    );
    const bySearch = json(await vexil('flags', 'list', '--search', 'PAY BUTTON', '--json'));
    assert.deepEqual(
      bySearch.items.map((f: { key: string }) => f.key),
      ['checkout-color'],
    );
    const table = await vexil('flags', 'list');
    assert.match(table.stdout, /^KEY\s+NAME\s+TAGS\s+PRODUCTION\s+TEST$/m);
    assert.match(table.stdout, /^checkout-color\s+Checkout colour\s+checkout,ui\s+on\s+on$/m);
    const inEnv = await vexil('flags', 'list', '--env', 'production', '--tag', 'ui');
    assert.match(inEnv.stdout, /^checkout-color .* on {2}on, serves 33\.333% "red"/m);
  });

  test('flags delete', async () => {
    assert.equal((await vexil('flags', 'create', 'short-lived')).code, 0);
    const deleted = await vexil('flags', 'delete', 'short-lived');
    assert.equal(deleted.stdout, 'Deleted flag short-lived\n');
    assert.equal((await vexil('flags', 'get', 'short-lived')).code, 1);
  });

  test('segments create, list, get and delete', async () => {
    const created = await vexil(
      'segments',
      'create',
      'beta',
      '--env',
      'test',
      '--included',
      'u1,u2',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Included\s+u1, u2$/m);
    const list = await vexil('segments', 'list', '--env', 'test');
    assert.match(list.stdout, /^beta\s+beta\s+2\s+0\s+0\s+1$/m);
    const segment = json(await vexil('segments', 'get', 'beta', '--env', 'test', '--json'));
    assert.deepEqual(segment.included, ['u1', 'u2']);
    assert.equal(
      (await vexil('segments', 'list', '--env', 'production', '--json')).stdout.includes('beta'),
      false,
    );
    assert.equal((await vexil('segments', 'delete', 'beta', '--env', 'test')).code, 0);
    assert.equal((await vexil('segments', 'get', 'beta', '--env', 'test')).code, 1);
  });

  test('filters create, set, list, get and delete', async () => {
    const created = await vexil('filters', 'create', 'checkout', '--tags', 'checkout');
    assert.equal(created.code, 0, created.stderr);
    // The demo's new-checkout and the earlier test's checkout-color carry the tag.
    assert.match(created.stdout, /^Serves\s+checkout-color, new-checkout$/m);
    const set = await vexil(
      'filters',
      'set',
      'checkout',
      '--flags',
      'banner-text',
      '--tags',
      'checkout',
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Serves\s+banner-text, checkout-color, new-checkout$/m);
    const list = await vexil('filters', 'list');
    assert.match(list.stdout, /^checkout\s+checkout\s+checkout\s+3\s+2$/m);
    const filter = json(await vexil('filters', 'get', 'checkout', '--json'));
    assert.deepEqual(filter.flagKeys, ['banner-text']);
    const bad = await vexil('filters', 'create', '../x');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /key/);
    assert.equal((await vexil('filters', 'delete', 'checkout')).code, 0);
    assert.equal((await vexil('filters', 'get', 'checkout')).code, 1);
  });

  test('import and export round-trip LaunchDarkly SDK data', async () => {
    await vexil('envs', 'create', 'staging');
    await vexil('envs', 'create', 'staging-copy');
    await writeFile(join(work.path, 'ld.json'), JSON.stringify(LD_DATA));
    const imported = await vexil('import', 'ld.json', '--env', 'staging');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^Imported 1 flag and 1 segment into default\/staging/);

    const exported = await vexil('export', '--env', 'staging', '--out', 'export.json');
    assert.equal(exported.code, 0, exported.stderr);
    const first = JSON.parse(await readFile(join(work.path, 'export.json'), 'utf8'));
    assert.deepEqual(Object.keys(first.flags), ['imported-flag']);
    const flag = first.flags['imported-flag'];
    for (const field of [
      'on',
      'variations',
      'offVariation',
      'fallthrough',
      'targets',
      'salt',
    ] as const)
      assert.deepEqual(flag[field], LD_DATA.flags['imported-flag'][field], field);
    assert.deepEqual(flag.rules[0].clauses, LD_DATA.flags['imported-flag'].rules[0]!.clauses);
    assert.ok(flag.version >= 7, 'versions never go backwards');
    assert.deepEqual(first.segments.vip.included, ['alice', 'bob']);

    // The export is itself importable, and exports the same again.
    assert.equal((await vexil('import', 'export.json', '--env', 'staging-copy')).code, 0);
    const second = JSON.parse((await vexil('export', '--env', 'staging-copy')).stdout);
    assert.deepEqual(behaviour(second.flags['imported-flag']), behaviour(flag));
    assert.deepEqual(behaviour(second.segments.vip), behaviour(first.segments.vip));

    const listed = await vexil('flags', 'list', '--env', 'staging');
    assert.match(
      listed.stdout,
      /^imported-flag\s.*\bon {2}on, serves 60% "green" \/ 40% "blue"; 1 target list, 1 rule$/m,
    );
    assert.match(listed.stdout, /^new-checkout\s.*\s- *$/m, 'import replaced the environment');
  });

  test('import of a file that is not JSON fails with one line', async () => {
    await writeFile(join(work.path, 'broken.json'), '{"flags": ');
    const result = await vexil('import', 'broken.json', '--env', 'test');
    assert.equal(result.code, 1);
    assert.match(failureLine(result), /broken\.json is not valid JSON/);
  });

  test('audit shows who changed which flag', async () => {
    await vexil('flags', 'create', 'audited');
    await vexil('flags', 'toggle', 'audited', '--env', 'test', '--on');
    const entries = json(await vexil('audit', '--flag', 'audited', '--json')).items;
    assert.deepEqual(
      entries.map((e: { action: string; actor: string }) => [e.action, e.actor]),
      [
        ['flag.update', 'admin'],
        ['flag.create', 'admin'],
      ],
    );
    const table = await vexil('audit', '--flag', 'audited', '--limit', '1');
    assert.match(table.stdout, /^TIME\s+ACTOR\s+ACTION\s+RESOURCE\s+WHERE\s+CHANGES\s+COMMENT$/m);
    assert.match(
      table.stdout,
      /\badmin\s+flag\.update\s+flag audited\s+default\/test\s+replace \/environments\/test\/on$/m,
    );
    assert.equal(table.stdout.trim().split('\n').length, 2, '--limit 1');
  });

  test('tokens create, list and revoke; roles are enforced', async () => {
    const created = json(
      await vexil('tokens', 'create', 'ci-reader', '--role', 'reader', '--json'),
    );
    assert.match(created.token, /^vxl_/);
    const reader = { VEXIL_URL: server!.url, VEXIL_TOKEN: created.token };
    assert.equal((await runCli(['flags', 'list'], reader)).code, 0);
    const refused = await runCli(['flags', 'create', 'nope'], reader);
    assert.equal(refused.code, 1);
    assert.match(failureLine(refused), /needs a token with the writer role; yours has reader/);

    const list = await vexil('tokens', 'list');
    assert.match(
      list.stdout,
      // Created, then the last use: "never", or the time the reader's request was recorded.
      new RegExp(`^${created.id}\\s+ci-reader\\s+reader\\s+\\S+ \\S+\\s+(never|\\S+ \\S+)$`, 'm'),
    );
    assert.equal((await vexil('tokens', 'revoke', created.id)).code, 0);
    const revoked = await runCli(['flags', 'list'], reader);
    assert.equal(revoked.code, 1);
    assert.match(failureLine(revoked), /unknown or revoked/);
    assert.match(
      (await vexil('tokens', 'list')).stdout,
      new RegExp(
        `^${created.id}\\s+ci-reader\\s+reader\\s+\\S+ \\S+\\s+(never|\\S+ \\S+)\\s+\\S+ \\S+$`,
        'm',
      ),
    );
  });
});
