import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchRoute, routePath, sectionOf, switchScope } from '../../src/app/routes.js';
import {
  staleReasonText,
  staleSummary,
  type StaleFlag,
  type StaleFlagReport,
} from '../../src/model/stale-flags.js';

const flag = (over: Partial<StaleFlag> = {}): StaleFlag => ({
  key: 'f',
  name: 'F',
  temporary: true,
  archived: false,
  createdAt: 0,
  updatedAt: 0,
  lastChange: null,
  reason: 'not-evaluated',
  readyToRemove: true,
  lastEvaluatedAt: null,
  evaluations: 0,
  environments: [],
  evidence: [],
  ...over,
});

describe('stale flags page', () => {
  test('has its own route and nav section, and keeps it across scopes', () => {
    const route = { page: 'stale-flags', project: 'p', env: 'prod' } as const;
    assert.equal(routePath(route), '/projects/p/envs/prod/stale-flags');
    assert.deepEqual(matchRoute('/projects/p/envs/prod/stale-flags'), route);
    assert.equal(matchRoute('/projects/p/envs/prod/stale-flags/x').page, 'not-found');
    assert.equal(sectionOf(route), 'stale-flags');
    assert.deepEqual(switchScope(route, 'q', 'test'), {
      page: 'stale-flags',
      project: 'q',
      env: 'test',
    });
  });

  test('says why a flag is listed', () => {
    assert.equal(staleReasonText(flag()), 'Not evaluated');
    const single = flag({ reason: 'single-variation', variation: { index: 1, value: false } });
    assert.equal(staleReasonText(single), 'Serves only false');
    const named = flag({
      reason: 'single-variation',
      variation: { index: 0, value: { layout: 'grid', columns: 12, dense: true }, name: 'Grid' },
    });
    assert.equal(staleReasonText(named), 'Serves only Grid');
    const long = flag({
      reason: 'single-variation',
      variation: { index: 0, value: 'x'.repeat(50) },
    });
    assert.equal(staleReasonText(long).length, 'Serves only '.length + 30);
  });

  test('sums the report up in a sentence', () => {
    const report = {
      environment: 'prod',
      days: 1,
      totals: { flags: 3, tooNew: 0, notEvaluated: 1, singleVariation: 2 },
    } as StaleFlagReport;
    assert.equal(
      staleSummary(report, (key) => key.toUpperCase()),
      '1 flag not evaluated in PROD and 2 flags serving one variation to every context, over the last 1 day; 3 flags in the project, 0 too new to judge.',
    );
  });
});
