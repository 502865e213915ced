import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEntry } from '../../src/api/types.js';
import {
  actionVerb,
  concernsEnvironment,
  diffRows,
  isBookkeeping,
} from '../../src/model/audit-diff.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: 1,
  at: 0,
  actor: 'admin',
  action: 'flag.update',
  projectKey: 'p',
  resourceKind: 'flag',
  resourceKey: 'f',
  before: {
    version: 1,
    environments: { production: { on: false, version: 1 }, test: { on: false } },
  },
  after: {
    version: 2,
    environments: { production: { on: true, version: 2 }, test: { on: false } },
  },
  diff: [
    { op: 'replace', path: '/version', value: 2 },
    { op: 'replace', path: '/environments/production/on', value: true },
    { op: 'replace', path: '/environments/production/version', value: 2 },
  ],
  ...over,
});

describe('audit diff', () => {
  test('rows show before and after at each changed path, without bookkeeping fields', () => {
    assert.deepEqual(diffRows(entry({})), [
      { op: 'replace', path: '/environments/production/on', before: false, after: true },
    ]);
    assert.ok(isBookkeeping('/updatedAt'));
    assert.ok(!isBookkeeping('/rules/0/version'));
  });

  test('a flag change concerns the environments whose targeting it changed', () => {
    assert.ok(concernsEnvironment(entry({}), 'production'));
    assert.ok(!concernsEnvironment(entry({}), 'test'));
    const definition = entry({ diff: [{ op: 'replace', path: '/name', value: 'x' }] });
    assert.ok(concernsEnvironment(definition, 'test'));
    assert.ok(concernsEnvironment(entry({ before: null, diff: [] }), 'test'));
  });

  test('entries of one environment concern only that one', () => {
    const segment = entry({ resourceKind: 'segment', environmentKey: 'test' });
    assert.ok(concernsEnvironment(segment, 'test'));
    assert.ok(!concernsEnvironment(segment, 'production'));
  });

  test('actions read as verbs', () => {
    assert.equal(actionVerb('flag.update'), 'updated');
    assert.equal(actionVerb('environment.rotate-sdk-key'), 'rotated the SDK key of');
    assert.equal(actionVerb('custom'), 'custom');
  });
});
