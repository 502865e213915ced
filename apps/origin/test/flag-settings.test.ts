import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  changesOf,
  createFlag,
  expectError,
  expectStatus,
  fingerprint,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';

// PATCH /flags/{key}/settings: a flag's name, description, tags, temporary, archived and its
// variations by identity, with targeting and other flags' prerequisites moving with them; and
// the JSON Patch route refusing variation edits that would leave targeting on another variation.

const flags = '/api/v1/projects/p/flags';
const settings = (key: string) => `${flags}/${key}/settings`;

const beta = {
  id: 'beta',
  description: 'beta users',
  clauses: [{ contextKind: 'user', attribute: 'plan', op: 'in', values: ['beta'] }],
  variation: 2,
};

describe('flag settings', () => {
  let api: ApiServer;
  let project: SeededProject;
  beforeEach(async () => {
    api = await startApiServer();
    project = await seedProject(api);
    // Three colours; prod: off serves red (0), targets alice -> blue (2), the default rule
    // rolls out 50/50 over green and blue; test: the "beta users" rule serves blue.
    await createFlag(api, {
      key: 'colour',
      name: 'Colour',
      variations: [
        { value: 'red', name: 'Red' },
        { value: 'green' },
        { value: 'blue', description: 'the calm one' },
      ],
      environments: {
        prod: {
          on: true,
          offVariation: 0,
          targets: [{ values: ['alice'], variation: 2 }],
          fallthrough: {
            rollout: {
              variations: [
                { variation: 1, weight: 50000 },
                { variation: 2, weight: 50000 },
              ],
            },
          },
        },
        test: { offVariation: 0, fallthrough: { variation: 1 }, rules: [beta] },
      },
    });
  });
  afterEach(() => api.close());

  const edit = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    api.call('PATCH', settings(key), body, headers);
  const get = async (key: string) => (await api.call('GET', `${flags}/${key}`)).body;

  test('name, description, tags and temporary; ETag and audit like any update', async () => {
    const commits = api.commits.length;
    const res = await edit(
      'colour',
      { name: 'Button colour', description: 'of the pay button', tags: ['ui'], temporary: false },
      { 'if-match': '"1"' },
    );
    expectStatus(res, 200);
    assert.equal(res.headers.get('etag'), '"2"');
    assert.deepEqual(
      [res.body.name, res.body.description, res.body.tags, res.body.temporary],
      ['Button colour', 'of the pay button', ['ui'], false],
    );
    assert.deepEqual(res.body.variations, (await get('colour')).variations);
    const [entry] = await api.store.listAudit({ limit: 1 });
    assert.equal(entry?.action, 'flag.update');
    assert.equal((entry?.after as { name: string }).name, 'Button colour');
    // Nothing an SDK sees changed: no change was published.
    assert.equal(api.commits.length, commits);
  });

  test('the same settings again change nothing: no new version, no audit entry', async () => {
    const audit = (await api.store.listAudit({ limit: 100 })).length;
    const res = await edit('colour', { name: 'Colour', tags: [] });
    expectStatus(res, 200);
    assert.equal(res.body.version, 1);
    assert.equal((await api.store.listAudit({ limit: 100 })).length, audit);
  });

  test('reordering variations moves every index with them, in every environment', async () => {
    const res = await edit('colour', {
      variations: [
        { value: 'blue', description: 'the calm one', from: 2 },
        { value: 'red', name: 'Red', from: 0 },
        { value: 'green', from: 1 },
      ],
    });
    expectStatus(res, 200);
    const prod = res.body.environments.prod;
    assert.equal(prod.offVariation, 1);
    assert.deepEqual(prod.targets, [{ values: ['alice'], variation: 0 }]);
    assert.deepEqual(prod.fallthrough.rollout.variations, [
      { variation: 2, weight: 50000 },
      { variation: 0, weight: 50000 },
    ]);
    const test = res.body.environments.test;
    assert.equal(test.rules[0].variation, 0);
    assert.equal(test.fallthrough.variation, 2);
    assert.equal(test.offVariation, 1);
    // SDKs get the new order with the new indices: alice still gets blue.
    const item = (await changesOf(api, project.envs['prod']!.id)).at(-1)!.item as {
      variations: string[];
      targets: { variation: number }[];
    };
    assert.deepEqual(item.variations, ['blue', 'red', 'green']);
    assert.equal(item.variations[item.targets[0]!.variation], 'blue');
  });

  test('without "from", variations are matched by value: a reorder keeps targeting', async () => {
    const res = await edit('colour', {
      variations: [{ value: 'green' }, { value: 'blue' }, { value: 'red', name: 'Red' }],
    });
    expectStatus(res, 200);
    assert.equal(res.body.environments.prod.offVariation, 2);
    assert.equal(res.body.environments.test.rules[0].variation, 1);
    // Names and descriptions are what the request says.
    assert.deepEqual(res.body.variations, [
      { value: 'green' },
      { value: 'blue' },
      { value: 'red', name: 'Red' },
    ]);
  });

  test('"from" edits a value in place, and a new variation can be added anywhere', async () => {
    const res = await edit('colour', {
      variations: [
        { value: 'crimson', name: 'Red', from: 0 },
        { value: 'yellow', name: 'Yellow' },
        { value: 'green', from: 1 },
        { value: 'blue', from: 2 },
      ],
    });
    expectStatus(res, 200);
    assert.equal(res.body.environments.prod.offVariation, 0);
    assert.equal(res.body.environments.test.fallthrough.variation, 2);
    assert.equal(res.body.environments.test.rules[0].variation, 3);
  });

  test('another flag requiring a moved variation follows it, with its own audit entry', async () => {
    await createFlag(
      api,
      boolFlag('child', {
        environments: { prod: { prerequisites: [{ key: 'colour', variation: 2 }] } },
      }),
    );
    const res = await edit('colour', {
      variations: [
        { value: 'blue', from: 2 },
        { value: 'red', from: 0 },
        { value: 'green', from: 1 },
      ],
    });
    expectStatus(res, 200);
    const child = await get('child');
    assert.deepEqual(child.environments.prod.prerequisites, [{ key: 'colour', variation: 0 }]);
    assert.equal(child.version, 2);
    const entries = await api.store.listAudit({ limit: 2 });
    assert.deepEqual(entries.map((e) => [e.action, e.resourceKey]).sort(), [
      ['flag.update', 'child'],
      ['flag.update', 'colour'],
    ]);
  });

  test('removing a variation in use is a 409 naming every place that uses it; nothing changes', async () => {
    await createFlag(
      api,
      boolFlag('child', {
        environments: { prod: { prerequisites: [{ key: 'colour', variation: 2 }] } },
      }),
    );
    const before = await fingerprint(api);
    const res = await edit('colour', { variations: [{ value: 'red' }, { value: 'green' }] });
    expectError(
      res,
      409,
      'CONFLICT',
      'variation 2 ("blue") is in use',
      'individual targets (1 key) in prod',
      'default rule (rollout, 50%) in prod',
      'rule 1 ("beta users") in test',
      'prerequisite of flag "child" in prod',
    );
    assert.deepEqual(
      res.body.details.map((d: { path: string }) => d.path),
      ['variations[2]'],
    );
    // Two removed variations in use: one detail each.
    const both = await edit('colour', { variations: [{ value: 'green' }] });
    expectError(both, 409, 'CONFLICT', 'off variation in prod', 'and 1 more variation in use');
    assert.deepEqual(
      both.body.details.map((d: { path: string }) => d.path),
      ['variations[0]', 'variations[2]'],
    );
    assert.equal(await fingerprint(api), before);
  });

  test('removing an unused variation works; 0% rollout entries and empty target lists of it go', async () => {
    await patchFlag(api, 'colour', [
      {
        op: 'replace',
        path: '/environments/prod/fallthrough',
        value: {
          rollout: {
            variations: [
              { variation: 0, weight: 0 },
              { variation: 1, weight: 100000 },
            ],
          },
        },
      },
      { op: 'replace', path: '/environments/prod/offVariation', value: 1 },
      { op: 'replace', path: '/environments/test/offVariation', value: 1 },
      { op: 'replace', path: '/environments/prod/targets', value: [{ values: [], variation: 0 }] },
    ]);
    const res = await edit('colour', {
      variations: [
        { value: 'green', from: 1 },
        { value: 'blue', from: 2 },
      ],
    });
    expectStatus(res, 200);
    assert.deepEqual(res.body.environments.prod.fallthrough, {
      rollout: { variations: [{ variation: 0, weight: 100000 }] },
    });
    assert.deepEqual(res.body.environments.prod.targets, []);
    assert.equal(res.body.environments.test.rules[0].variation, 1);
  });

  test('archive and restore through settings, audited as such; a prerequisite cannot be archived', async () => {
    const archived = await edit('colour', { archived: true });
    expectStatus(archived, 200);
    assert.equal(archived.body.archived, true);
    assert.equal((await api.store.listAudit({ limit: 1 }))[0]?.action, 'flag.archive');
    const exported = await api.call('GET', '/api/v1/projects/p/environments/prod/data');
    assert.ok(!('colour' in exported.body.flags));
    const restored = await edit('colour', { archived: false });
    expectStatus(restored, 200);
    assert.equal((await api.store.listAudit({ limit: 1 }))[0]?.action, 'flag.restore');

    await createFlag(
      api,
      boolFlag('child', {
        environments: { test: { prerequisites: [{ key: 'colour', variation: 1 }] } },
      }),
    );
    expectError(await edit('colour', { archived: true }), 409, 'CONFLICT', '"child"');
  });

  test('bodies are validated with clear 400s', async () => {
    const reader = await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' });
    const before = await fingerprint(api);
    const bad: [unknown, ...string[]][] = [
      [{}, 'give at least one of name, description, tags, temporary, archived, variations'],
      [{ colour: 'red' }, 'colour'],
      [{ name: '' }, 'name'],
      [{ tags: ['has space'] }, 'tags'],
      [{ tags: ['a', 'a'] }, 'tags'],
      [{ archived: 'yes' }, 'archived'],
      [{ variations: [] }, 'variations'],
      [{ variations: [{ name: 'no value' }] }, 'value'],
      [{ variations: [{ value: 'red', from: -1 }] }, 'from'],
      [
        { variations: [{ value: 'red', from: 3 }] },
        'variations[0].from',
        'the flag has 3 variation(s), 0 to 2',
      ],
      [
        {
          variations: [
            { value: 'red', from: 0 },
            { value: 'pink', from: 0 },
          ],
        },
        'variations[1].from',
        'variation 0 is already variations[0]',
      ],
      [
        { variations: [{ value: 'red' }, { value: 'green' }, { value: 'red', from: 2 }] },
        'variations[2].value',
        'the same value as variations[0]',
      ],
    ];
    for (const [body, ...mentions] of bad)
      expectError(await edit('colour', body), 400, 'VALIDATION_FAILED', ...mentions);
    expectError(await edit('nope', { name: 'x' }), 404, 'NOT_FOUND', 'flag "nope"');
    expectError(
      await api.call('PATCH', '/api/v1/projects/q/flags/colour/settings', { name: 'x' }),
      404,
      'NOT_FOUND',
      'project "q"',
    );
    expectError(
      await edit('colour', { name: 'x' }, { 'if-match': '"7"' }),
      409,
      'VERSION_MISMATCH',
      'If-Match says 7',
    );
    expectError(
      await edit('colour', { name: 'x' }, { authorization: `Bearer ${reader.body.token}` }),
      403,
      'FORBIDDEN',
      'writer',
    );
    assert.equal(await fingerprint(api), before);
  });

  test('the OpenAPI document describes the route, its body and the 409', async () => {
    const doc = (await api.call('GET', '/api/v1/openapi.json')).body;
    const op = doc.paths['/api/v1/projects/{projectKey}/flags/{flagKey}/settings'].patch;
    assert.equal(op['x-required-role'], 'writer');
    assert.deepEqual(op.requestBody.content['application/json'].schema, {
      $ref: '#/components/schemas/FlagSettingsInput',
    });
    assert.match(op.responses['409'].description, /in use/);
    assert.ok(doc.components.schemas.VariationEdit.properties.from);
    assert.ok(doc.components.schemas.Token.properties.lastUsedAt);
  });
});

describe('JSON Patch of variations under unchanged targeting', () => {
  let api: ApiServer;
  beforeEach(async () => {
    api = await startApiServer();
    await seedProject(api);
    // New flags serve variation 0 when on and 1 when off in every environment.
    await createFlag(api, {
      key: 'f',
      variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
  });
  afterEach(() => api.close());

  test('moving a variation in use is refused, pointing at /settings', async () => {
    const res = await patchFlag(api, 'f', [
      { op: 'move', from: '/variations/0', path: '/variations/2' },
    ]);
    expectError(
      res,
      409,
      'CONFLICT',
      'variation 0 ("a") moved to index 2',
      'default rule in prod',
      '/settings',
    );
    assert.deepEqual(
      (await api.call('GET', `${flags}/f`)).body.variations.map((v: { value: string }) => v.value),
      ['a', 'b', 'c'],
    );
  });

  test('removing a variation in the middle shifts those after it: refused while they are used', async () => {
    await patchFlag(api, 'f', [
      { op: 'replace', path: '/environments/prod/fallthrough', value: { variation: 2 } },
    ]);
    expectError(
      await patchFlag(api, 'f', [{ op: 'remove', path: '/variations/1' }]),
      409,
      'CONFLICT',
      'off variation in prod',
    );
  });

  test('editing a value in place, adding and removing unused ones, or moving targeting along, is allowed', async () => {
    expectStatus(
      await patchFlag(api, 'f', [{ op: 'replace', path: '/variations/0/value', value: 'z' }]),
      200,
    );
    expectStatus(await patchFlag(api, 'f', [{ op: 'remove', path: '/variations/2' }]), 200);
    expectStatus(
      await patchFlag(api, 'f', [{ op: 'add', path: '/variations/-', value: { value: 'd' } }]),
      200,
    );
    // A swap with the targeting of every environment swapped in the same patch.
    const swapped = await patchFlag(api, 'f', [
      { op: 'move', from: '/variations/1', path: '/variations/0' },
      { op: 'replace', path: '/environments/prod/offVariation', value: 0 },
      { op: 'replace', path: '/environments/prod/fallthrough', value: { variation: 1 } },
      { op: 'replace', path: '/environments/test/offVariation', value: 0 },
      { op: 'replace', path: '/environments/test/fallthrough', value: { variation: 1 } },
    ]);
    expectStatus(swapped, 200);
    assert.deepEqual(
      swapped.body.variations.map((v: { value: string }) => v.value),
      ['b', 'z', 'd'],
    );
  });
});
