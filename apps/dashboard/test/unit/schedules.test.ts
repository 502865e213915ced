import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flag, PatchOp, Targeting } from '../../src/api/types.js';
import { applyPatch } from '../../src/editor/apply-patch.js';
import {
  describeSchedulePatch,
  isoWithOffset,
  latenessText,
  localInputToIso,
  opText,
  sortSchedules,
  toLocalInput,
  untilText,
  type Schedule,
} from '../../src/model/schedules.js';

const targeting: Targeting = {
  on: false,
  offVariation: 1,
  fallthrough: { variation: 0 },
  prerequisites: [],
  targets: [],
  contextTargets: [],
  rules: [],
  salt: 's',
  clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
  version: 1,
};
const flag: Flag = {
  key: 'f',
  name: 'F',
  description: '',
  tags: [],
  variations: [{ value: true }, { value: false }],
  temporary: false,
  archived: false,
  version: 3,
  createdAt: 0,
  updatedAt: 0,
  environments: { production: targeting },
};
const envName = (key: string) => (key === 'production' ? 'Production' : key);

describe('scheduled changes', () => {
  test('a local date-time becomes ISO 8601 with the offset of that moment, and back', () => {
    const iso = localInputToIso('2030-01-31T09:05');
    assert.ok(iso !== undefined);
    assert.match(iso, /^2030-01-31T09:05:00[+-]\d{2}:\d{2}$/);
    const at = Date.parse(iso);
    assert.equal(at, new Date(2030, 0, 31, 9, 5).getTime());
    assert.equal(toLocalInput(at), '2030-01-31T09:05:00');
    assert.equal(localInputToIso(toLocalInput(at)), iso);
    assert.equal(
      Date.parse(localInputToIso('2030-06-01T23:59:58')!),
      new Date(2030, 5, 1, 23, 59, 58).getTime(),
    );
    assert.equal(localInputToIso(''), undefined);
    assert.equal(localInputToIso('tomorrow'), undefined);
    const now = new Date();
    assert.equal(Date.parse(isoWithOffset(now)), Math.floor(now.getTime() / 1000) * 1000);
  });

  test('times ahead and lateness in words', () => {
    assert.equal(untilText(5_000), 'in 5 s');
    assert.equal(untilText(5 * 60_000), 'in 5 min');
    assert.equal(untilText(3 * 3_600_000), 'in 3 h');
    assert.equal(untilText(3 * 86_400_000), 'in 3 days');
    assert.equal(untilText(200), 'now');
    assert.equal(untilText(-30_000), '30 s ago');
    assert.equal(latenessText(300), 'on time');
    assert.equal(latenessText(90_000), '2 min late');
    assert.equal(latenessText(undefined), undefined);
  });

  test('a patch in English against the flag as it is, else operation by operation', () => {
    const on: PatchOp[] = [{ op: 'replace', path: '/environments/production/on', value: true }];
    assert.deepEqual(describeSchedulePatch(flag, on, envName), ['Production: targeting turned on']);
    assert.equal(flag.environments['production']!.on, false, 'the flag is not changed');
    const gone: PatchOp[] = [{ op: 'remove', path: '/environments/staging/rules/0' }];
    assert.deepEqual(describeSchedulePatch(flag, gone, envName), ['remove staging › rules › 0']);
    assert.equal(
      opText({ op: 'replace', path: '/environments/production/offVariation', value: 0 }, envName),
      'set Production › offVariation to 0',
    );
  });

  test('applyPatch follows RFC 6902 on a copy', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    assert.deepEqual(
      applyPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'add', path: '/a/0', value: 0 },
        { op: 'remove', path: '/b/c' },
        { op: 'copy', from: '/a/1', path: '/b/d' },
        { op: 'move', from: '/b/d', path: '/e' },
        { op: 'test', path: '/e', value: 1 },
      ]),
      { a: [0, 1, 2, 3], b: {}, e: 1 },
    );
    assert.deepEqual(doc, { a: [1, 2], b: { c: 'x' } });
    assert.throws(() => applyPatch(doc, [{ op: 'replace', path: '/zz', value: 1 }]));
    assert.throws(() => applyPatch(doc, [{ op: 'test', path: '/b/c', value: 'y' }]));
  });

  test('pending first, soonest first; then the rest, latest first', () => {
    const s = (id: string, status: Schedule['status'], runAt: number): Schedule => ({
      id,
      projectKey: 'p',
      flagKey: 'f',
      runAt,
      patch: [],
      createdBy: 'ann',
      createdAt: 0,
      flagVersion: 1,
      status,
      version: 1,
      updatedAt: runAt,
    });
    const { pending, history } = sortSchedules([
      s('a', 'done', 10),
      s('b', 'pending', 30),
      s('c', 'pending', 20),
      s('d', 'cancelled', 40),
    ]);
    assert.deepEqual(
      pending.map((x) => x.id),
      ['c', 'b'],
    );
    assert.deepEqual(
      history.map((x) => x.id),
      ['d', 'a'],
    );
  });
});
