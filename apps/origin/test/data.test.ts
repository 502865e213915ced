import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  changesOf,
  createFlag,
  expectError,
  expectStatus,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';

const data = (env: string) => `/api/v1/projects/p/environments/${env}/data`;

/** LaunchDarkly SDK data as a `put` would carry it. */
function ldFlag(key: string, version: number, extra: Record<string, unknown> = {}) {
  return {
    key,
    version,
    on: true,
    variations: [true, false],
    fallthrough: { variation: 0 },
    offVariation: 1,
    salt: 'salt',
    ...extra,
  };
}
const ldSegment = (key: string, version: number, included: string[] = ['alice']) => ({
  key,
  version,
  included,
  salt: 'salt',
});

describe('data import and export', () => {
  let api: ApiServer;
  let project: SeededProject;
  beforeEach(async () => {
    api = await startApiServer();
    project = await seedProject(api);
  });
  afterEach(() => api.close());

  test('round trip: the export serves what was imported, with its versions', async () => {
    const body = {
      flags: { a: ldFlag('a', 7), b: ldFlag('b', 3, { on: false }) },
      segments: { s: ldSegment('s', 4) },
    };
    const res = await api.call('PUT', data('prod'), body);
    expectStatus(res, 200);
    assert.deepEqual(res.body, { flags: 2, segments: 1, changes: 3, warnings: [] });
    const exported = await api.call('GET', data('prod'));
    assert.deepEqual(Object.keys(exported.body.flags).sort(), ['a', 'b']);
    assert.equal(exported.body.flags.a.version, 7);
    assert.equal(exported.body.flags.a.on, true);
    assert.deepEqual(exported.body.flags.a.variations, [true, false]);
    assert.equal(exported.body.segments.s.version, 4);
    assert.deepEqual(exported.body.segments.s.included, ['alice']);
    assert.equal(exported.headers.get('x-vexil-seq'), '3');

    // The export imports back as no change at all.
    const again = await api.call('PUT', data('prod'), exported.body);
    assert.equal(again.body.changes, 0);
    assert.deepEqual((await api.call('GET', data('prod'))).body, exported.body);
  });

  test('a second identical import changes nothing: no change, no version, no commit', async () => {
    const body = { flags: { a: ldFlag('a', 2) }, segments: { s: ldSegment('s', 2) } };
    await api.call('PUT', data('prod'), body);
    const flagBefore = (await api.call('GET', '/api/v1/projects/p/flags/a')).body;
    const seq = (await api.store.getEnvironmentById(project.envs['prod']!.id))!.seq;
    const commits = api.commits.length;
    const res = await api.call('PUT', data('prod'), body);
    expectStatus(res, 200);
    assert.equal(res.body.changes, 0);
    assert.equal((await api.store.getEnvironmentById(project.envs['prod']!.id))!.seq, seq);
    assert.equal(api.commits.length, commits);
    assert.deepEqual((await api.call('GET', '/api/v1/projects/p/flags/a')).body, flagBefore);
  });

  test('an imported flag appears, off, in the other environments', async () => {
    await api.call('PUT', data('prod'), { flags: { a: ldFlag('a', 5) } });
    const flag = (await api.call('GET', '/api/v1/projects/p/flags/a')).body;
    assert.equal(flag.environments.prod.on, true);
    assert.equal(flag.environments.prod.version, 5);
    assert.equal(flag.environments.test.on, false);
    assert.equal((await api.call('GET', data('test'))).body.flags.a.on, false);
  });

  test('re-importing lower versions never lowers the served version', async () => {
    await api.call('PUT', data('prod'), {
      flags: { a: ldFlag('a', 10) },
      segments: { s: ldSegment('s', 10) },
    });
    await api.call('PUT', data('prod'), {
      flags: { a: ldFlag('a', 2, { on: false }) },
      segments: { s: ldSegment('s', 2, ['bob']) },
    });
    const exported = (await api.call('GET', data('prod'))).body;
    assert.equal(exported.flags.a.on, false);
    assert.equal(exported.flags.a.version, 11);
    assert.deepEqual(exported.segments.s.included, ['bob']);
    assert.equal(exported.segments.s.version, 11);
    // Unchanged but lower: the served version stays, and so does the API's view of it.
    await api.call('PUT', data('prod'), {
      flags: { a: ldFlag('a', 1, { on: false }) },
      segments: { s: ldSegment('s', 1, ['bob']) },
    });
    assert.deepEqual((await api.call('GET', data('prod'))).body, exported);
    const flag = (await api.call('GET', '/api/v1/projects/p/flags/a')).body;
    assert.equal(flag.environments.prod.version, 11);
  });

  test('items absent from an import disappear from the export, and only there', async () => {
    await createFlag(api, boolFlag('made-here'));
    await api.call('POST', '/api/v1/projects/p/environments/prod/segments', { key: 'old' });
    await api.call('PUT', data('prod'), { flags: { a: ldFlag('a', 1) } });
    const exported = (await api.call('GET', data('prod'))).body;
    assert.deepEqual(Object.keys(exported.flags), ['a']);
    assert.deepEqual(exported.segments, {});
    assert.ok('made-here' in (await api.call('GET', data('test'))).body.flags);
    const tombstones = (await changesOf(api, project.envs['prod']!.id)).filter(
      (c) => (c.item as { deleted?: boolean }).deleted === true,
    );
    assert.deepEqual(tombstones.map((c) => c.key).sort(), ['made-here', 'old']);
  });

  test('semantically broken items are imported with one warning each, and still exported', async () => {
    const res = await api.call('PUT', data('prod'), {
      flags: {
        off: ldFlag('off', 1, { offVariation: 5 }),
        rule: ldFlag('rule', 1, { rules: [{ variation: 9, clauses: [] }] }),
        ok: ldFlag('ok', 1),
      },
      segments: {
        s: {
          key: 's',
          version: 1,
          rules: [{ clauses: [{ attribute: 'a', op: 'nope', values: [1] }] }],
        },
      },
    });
    expectStatus(res, 200);
    assert.deepEqual(
      res.body.warnings.map((w: { path: string }) => w.path),
      [
        'flags.off.offVariation',
        'flags.rule.rules[0].variation',
        'segments.s.rules[0].clauses[0].op',
      ],
    );
    assert.match(res.body.warnings[0].message, /out of range/);
    const exported = (await api.call('GET', data('prod'))).body;
    assert.equal(exported.flags.off.offVariation, 5);
    assert.deepEqual(Object.keys(exported.flags).sort(), ['off', 'ok', 'rule']);
    assert.ok('s' in exported.segments);
  });

  test('an imported broken flag can still be toggled in another environment', async () => {
    await api.call('PUT', data('prod'), { flags: { off: ldFlag('off', 1, { offVariation: 5 }) } });
    const res = await patchFlag(api, 'off', [
      { op: 'replace', path: '/environments/test/on', value: true },
    ]);
    expectStatus(res, 200);
    // Editing the broken environment itself still has to fix it.
    expectError(
      await patchFlag(api, 'off', [{ op: 'replace', path: '/environments/prod/on', value: false }]),
      400,
      'VALIDATION_FAILED',
      'environments.prod.offVariation',
    );
  });

  test('importing an archived flag warns that it stays unserved', async () => {
    await createFlag(api, boolFlag('a'));
    await patchFlag(api, 'a', [{ op: 'replace', path: '/archived', value: true }]);
    const res = await api.call('PUT', data('prod'), { flags: { a: ldFlag('a', 1) } });
    expectStatus(res, 200);
    assert.deepEqual(
      res.body.warnings.map((w: { path: string }) => w.path),
      ['flags.a'],
    );
    assert.match(res.body.warnings[0].message, /archived/);
  });

  test('structurally invalid data is refused naming the field, and nothing changes', async () => {
    await api.call('PUT', data('prod'), { flags: { a: ldFlag('a', 1) } });
    const seq = (await api.store.getEnvironmentById(project.envs['prod']!.id))!.seq;
    expectError(
      await api.call('PUT', data('prod'), { flags: { b: ldFlag('b', 1, { on: 'yes' }) } }),
      400,
      'VALIDATION_FAILED',
      'flags.b.on',
    );
    expectError(
      await api.call('PUT', data('prod'), { flags: { b: ldFlag('c', 1) } }),
      400,
      'VALIDATION_FAILED',
      'flags.b.key',
    );
    expectError(
      await api.call('PUT', data('prod'), { flags: {}, extra: {} }),
      400,
      'VALIDATION_FAILED',
      'extra',
    );
    assert.equal((await api.store.getEnvironmentById(project.envs['prod']!.id))!.seq, seq);
    assert.deepEqual(Object.keys((await api.call('GET', data('prod'))).body.flags), ['a']);
  });
});
