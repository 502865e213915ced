import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jsonPatch from 'fast-json-patch';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, createFlag, expectError, patchFlag, seedProject } from './support/fixtures.js';

interface Entry {
  id: number;
  at: number;
  actor: string;
  action: string;
  projectKey?: string;
  environmentKey?: string;
  resourceKind: string;
  resourceKey: string;
  before: unknown;
  after: unknown;
  diff: jsonPatch.Operation[];
}

describe('audit log', () => {
  let api: ApiServer;
  let clock = 10_000;
  const audit = async (query = ''): Promise<{ items: Entry[]; nextBefore?: number }> => {
    const res = await api.call('GET', `/api/v1/audit${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  // One history, read by every test: each write happens 1000 ms after the previous one.
  before(async () => {
    api = await startApiServer(undefined, { now: () => (clock += 1000) });
    await seedProject(api, 'p', ['prod', 'test']); // t = 12000 .. 14000
    await seedProject(api, 'q', ['prod']);
    await createFlag(api, boolFlag('f'));
    await createFlag(api, boolFlag('g'));
    await patchFlag(api, 'f', [
      { op: 'replace', path: '/environments/prod/on', value: true },
      { op: 'replace', path: '/name', value: 'Feature F' },
    ]);
    await patchFlag(api, 'g', [{ op: 'replace', path: '/environments/test/on', value: true }]);
    await api.call('POST', '/api/v1/projects/p/environments/test/segments', { key: 's' });
    await api.call('PATCH', '/api/v1/projects/p/environments/test/segments/s', [
      { op: 'add', path: '/included/-', value: 'alice' },
    ]);
    await createFlag(api, boolFlag('f'), 'q');
  });
  after(() => api.close());

  test('newest first, with actor, action and timestamps', async () => {
    const { items } = await audit();
    const ats = items.map((e) => e.at);
    assert.deepEqual(
      ats,
      [...ats].sort((a, b) => b - a),
    );
    const ids = items.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    assert.equal(items[0]!.action, 'flag.create');
    assert.equal(items[0]!.projectKey, 'q');
    assert.equal(items[0]!.actor, 'test admin');
  });

  test('diff is a JSON Patch that turns before into after', async () => {
    const { items } = await audit('?project=p&flag=f');
    assert.deepEqual(
      items.map((e) => e.action),
      ['flag.update', 'flag.create'],
    );
    const update = items[0]!;
    const rebuilt = jsonPatch.applyPatch(structuredClone(update.before), update.diff).newDocument;
    assert.deepEqual(rebuilt, update.after);
    const paths = update.diff.map((op) => op.path).sort();
    assert.ok(paths.includes('/name'), JSON.stringify(paths));
    assert.ok(paths.includes('/environments/prod/on'), JSON.stringify(paths));
    // A creation diffs from nothing.
    assert.equal(items[1]!.before, null);
    assert.ok(items[1]!.diff.length > 0);
  });

  test('filters by project, environment, flag and segment', async () => {
    const inQ = (await audit('?project=q')).items;
    assert.ok(inQ.length > 0 && inQ.every((e) => e.projectKey === 'q'));

    const prodOfP = (await audit('?project=p&environment=prod')).items;
    // A flag change that reached one environment is filed under it; creates (every
    // environment) stay project-wide.
    assert.deepEqual(
      prodOfP.map((e) => [e.action, e.resourceKey]),
      [
        ['flag.update', 'f'],
        ['environment.create', 'prod'],
      ],
    );
    const testOfP = (await audit('?project=p&environment=test')).items;
    assert.deepEqual(
      testOfP.map((e) => [e.action, e.resourceKey]),
      [
        ['segment.update', 's'],
        ['segment.create', 's'],
        ['flag.update', 'g'],
        ['environment.create', 'test'],
      ],
    );

    const segment = (await audit('?project=p&segment=s')).items;
    assert.deepEqual(
      segment.map((e) => [e.action, e.environmentKey]),
      [
        ['segment.update', 'test'],
        ['segment.create', 'test'],
      ],
    );
    assert.ok(
      segment[0]!.diff.some(
        (op) => op.op === 'add' && op.path === '/included/0' && op.value === 'alice',
      ),
      JSON.stringify(segment[0]!.diff),
    );

    const f = (await audit('?flag=f')).items;
    assert.deepEqual(
      f.map((e) => e.projectKey),
      ['q', 'p', 'p'],
    );
    expectError(
      await api.call('GET', '/api/v1/audit?flag=f&segment=s'),
      400,
      'VALIDATION_FAILED',
      'flag',
      'segment',
    );
  });

  test('filters by time: from inclusive, to exclusive', async () => {
    const all = (await audit()).items;
    const middle = all[3]!.at;
    const from = (await audit(`?from=${middle}`)).items;
    assert.ok(from.length > 0 && from.every((e) => e.at >= middle));
    assert.ok(from.some((e) => e.at === middle));
    const to = (await audit(`?to=${middle}`)).items;
    assert.ok(to.length > 0 && to.every((e) => e.at < middle));
    assert.equal(from.length + to.length, all.length);
    const window = (await audit(`?from=${middle}&to=${middle + 1}`)).items;
    assert.deepEqual(
      window.map((e) => e.at),
      [middle],
    );
  });

  test('pages with limit and before', async () => {
    const all = (await audit()).items;
    const first = await audit('?limit=2');
    assert.deepEqual(first.items, all.slice(0, 2));
    assert.equal(first.nextBefore, all[1]!.id);
    const second = await audit(`?limit=2&before=${first.nextBefore}`);
    assert.deepEqual(second.items, all.slice(2, 4));
    const rest = await audit(`?limit=1000&before=${all[3]!.id}`);
    assert.deepEqual(rest.items, all.slice(4));
    assert.equal(rest.nextBefore, undefined);
  });

  test('bad query parameters are refused by name', async () => {
    expectError(await api.call('GET', '/api/v1/audit?limit=0'), 400, 'VALIDATION_FAILED', 'limit');
    expectError(
      await api.call('GET', '/api/v1/audit?from=yesterday'),
      400,
      'VALIDATION_FAILED',
      'from',
    );
    expectError(await api.call('GET', '/api/v1/audit?who=me'), 400, 'VALIDATION_FAILED', '"who"');
  });
});
