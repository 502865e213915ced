import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchRoute, routePath, sectionOf, switchScope, type Route } from '../../src/app/routes.js';

describe('routes', () => {
  test('every page path round-trips, with keys encoded', () => {
    const routes: Route[] = [
      { page: 'home' },
      { page: 'sign-in' },
      { page: 'delivery' },
      { page: 'tokens' },
      { page: 'project', project: 'p' },
      { page: 'project', project: 'p', env: 'e' },
      { page: 'flags', project: 'p', env: 'prod' },
      { page: 'flag', project: 'p', env: 'prod', flag: 'a.b_c-d' },
      { page: 'insights', project: 'p', env: 'prod', flag: 'f' },
      { page: 'segments', project: 'p', env: 'prod' },
      { page: 'segment', project: 'p', env: 'prod', segment: 'beta' },
      { page: 'environments', project: 'p', env: 'prod' },
      { page: 'audit', project: 'p', env: 'prod' },
    ];
    for (const route of routes)
      assert.deepEqual(matchRoute(routePath(route)), route, routePath(route));
    assert.equal(
      routePath({ page: 'flag', project: 'p q', env: 'e', flag: 'x/y' }),
      '/projects/p%20q/envs/e/flags/x%2Fy',
    );
    assert.deepEqual(matchRoute('/projects/p%20q/envs/e/flags/x%2Fy'), {
      page: 'flag',
      project: 'p q',
      env: 'e',
      flag: 'x/y',
    });
  });

  test('anything else is not found (and never an SDK path such as /flags)', () => {
    for (const path of [
      '/flags',
      '/all',
      '/projects/p/x',
      '/projects/p/envs/e/nope',
      '/projects/p/envs/e/flags/f/x',
      '/projects/%E0%A4%A',
    ]) {
      assert.equal(matchRoute(path).page, 'not-found', path);
    }
  });

  test('switching project or environment keeps the section, and the flag within a project', () => {
    const flag: Route = { page: 'flag', project: 'p', env: 'prod', flag: 'f' };
    assert.deepEqual(switchScope(flag, 'p', 'test'), { ...flag, env: 'test' });
    assert.deepEqual(switchScope(flag, 'q', 'prod'), { page: 'flags', project: 'q', env: 'prod' });
    assert.deepEqual(
      switchScope({ page: 'segment', project: 'p', env: 'a', segment: 's' }, 'p', 'b'),
      {
        page: 'segments',
        project: 'p',
        env: 'b',
      },
    );
    assert.deepEqual(switchScope({ page: 'delivery' }, 'p', 'b'), {
      page: 'flags',
      project: 'p',
      env: 'b',
    });
    assert.equal(sectionOf({ page: 'insights', project: 'p', env: 'e', flag: 'f' }), 'flags');
    assert.equal(sectionOf({ page: 'tokens' }), 'tokens');
    assert.deepEqual(switchScope({ page: 'tokens' }, 'p', 'b'), {
      page: 'flags',
      project: 'p',
      env: 'b',
    });
  });
});
