import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonPatch from 'fast-json-patch';
import type { Targeting } from '../../src/api/types.js';
import { mergeThreeWay } from '../../src/editor/three-way-merge.js';
import {
  documentPatch,
  reapplyEdit,
  reapplyTargeting,
  targetingPatch,
} from '../../src/editor/targeting-patch.js';

const targeting = (over: Partial<Targeting> = {}): Targeting => ({
  on: false,
  offVariation: 1,
  fallthrough: { variation: 0 },
  prerequisites: [],
  targets: [],
  contextTargets: [],
  rules: [],
  salt: 's',
  clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
  version: 3,
  ...over,
});

describe('targeting patch', () => {
  test('paths are under /environments/<env>, and the read-only version is never patched', () => {
    const ops = targetingPatch(
      'prod/eu',
      targeting(),
      targeting({
        on: true,
        version: 9,
        fallthrough: { rollout: { variations: [{ variation: 0, weight: 100000 }] } },
      }),
    );
    assert.deepEqual(ops, [
      { op: 'replace', path: '/environments/prod~1eu/on', value: true },
      { op: 'remove', path: '/environments/prod~1eu/fallthrough/variation' },
      {
        op: 'add',
        path: '/environments/prod~1eu/fallthrough/rollout',
        value: { variations: [{ variation: 0, weight: 100000 }] },
      },
    ]);
  });

  test('the patch applied to the flag representation gives the edited targeting', () => {
    const flag = {
      key: 'f',
      version: 4,
      environments: { production: targeting(), test: targeting() },
    };
    const edited = targeting({
      on: true,
      rules: [
        {
          id: 'r1',
          clauses: [{ attribute: 'email', op: 'endsWith', values: ['@x.io'] }],
          variation: 1,
        },
      ],
    });
    const ops = targetingPatch('production', targeting(), edited);
    const patched = jsonPatch.applyPatch(
      structuredClone(flag),
      ops as jsonPatch.Operation[],
      true,
      false,
    ).newDocument;
    assert.deepEqual(patched.environments.production, edited);
    assert.deepEqual(patched.environments.test, targeting());
  });

  test('documentPatch leaves out read-only fields', () => {
    assert.deepEqual(
      documentPatch(
        { key: 'a', version: 1, included: [] },
        { key: 'a', version: 2, included: ['u'] },
        ['version'],
      ),
      [{ op: 'add', path: '/included/0', value: 'u' }],
    );
  });
});

describe('reapplying an edit after a conflict', () => {
  test('changes to different parts are both kept, without conflicts', () => {
    const original = targeting();
    const mine = targeting({ on: true });
    const theirs = targeting({ offVariation: 0, version: 4 });
    const { document, conflicts } = reapplyTargeting(original, mine, theirs);
    assert.deepEqual(conflicts, []);
    assert.deepEqual(document, targeting({ on: true, offVariation: 0, version: 4 }));
    // Saved next against version 4, the patch holds only my change.
    assert.deepEqual(targetingPatch('p', theirs, document), [
      { op: 'replace', path: '/environments/p/on', value: true },
    ]);
  });

  test('the same change on both sides is no conflict', () => {
    const { conflicts } = reapplyTargeting(
      targeting(),
      targeting({ on: true }),
      targeting({ on: true, version: 5 }),
    );
    assert.deepEqual(conflicts, []);
  });

  test('different changes to the same part: mine wins, and the part is named', () => {
    const rule = (variation: number) => ({ id: 'r', clauses: [], variation });
    const { document, conflicts } = reapplyTargeting(
      targeting({ rules: [rule(0)] }),
      targeting({ rules: [rule(1)], fallthrough: { variation: 1 } }),
      targeting({ rules: [rule(0), rule(0)], fallthrough: { variation: 0 }, on: true, version: 8 }),
    );
    assert.deepEqual(conflicts, ['/rules']);
    assert.deepEqual(document.rules, [rule(1)]);
    assert.deepEqual(document.fallthrough, { variation: 1 });
    assert.equal(document.on, true);
    assert.equal(document.version, 8);
  });

  test('fields removed on one side stay removed', () => {
    const { merged, conflicts } = mergeThreeWay(
      { a: 1, b: { c: 1, d: 2 } },
      { a: 1, b: { c: 1 } },
      { a: 2, b: { c: 1, d: 2 } },
    );
    assert.deepEqual(conflicts, []);
    assert.deepEqual(merged, { a: 2, b: { c: 1 } });
    assert.deepEqual(mergeThreeWay({ a: 1 }, { a: 2 }, {}).conflicts, ['/a']);
  });

  test('reapplyEdit takes read-only fields from the latest version', () => {
    const { document } = reapplyEdit(
      { key: 's', version: 1, included: ['a'] },
      { key: 's', version: 1, included: ['a', 'b'] },
      { key: 's', version: 2, included: ['a'] },
      ['key', 'version'],
    );
    assert.deepEqual(document, { key: 's', version: 2, included: ['a', 'b'] });
  });
});
