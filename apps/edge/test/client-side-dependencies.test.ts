import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeKind, JsonObject } from '@vexil/protocol';
import { FlagDependencies } from '../src/protocols/flag-dependencies.js';
import { EnvironmentState } from '../src/state/environment-state.js';
import { ldFlag } from './support/fake-origin.js';

// Which flags a client stream re-evaluates after a change: the changed flag, the flags that
// match a changed segment (through other segments), and their prerequisite dependents - and
// nothing else.

const segmentMatch = (...keys: string[]) => ({
  id: `match-${keys.join('-')}`,
  variation: 0,
  clauses: [{ attribute: '', op: 'segmentMatch', values: keys }],
});

function environment(items: [ChangeKind, JsonObject][]): EnvironmentState {
  const state = new EnvironmentState('env', { historySize: 10 });
  state.applySnapshot(
    {
      environmentId: 'env',
      seq: 1,
      items: items.map(([kind, item]) => ({ kind, key: item['key'] as string, version: 1, item })),
    },
    0,
  );
  return state;
}

const state = environment([
  ['segment', { key: 'inner', included: ['u1'] }],
  ['segment', { key: 'outer', rules: [segmentMatch('inner')] }],
  ['segment', { key: 'other', included: ['u2'] }],
  ['flag', ldFlag('uses-outer', { rules: [segmentMatch('outer')] })],
  ['flag', ldFlag('uses-other', { rules: [segmentMatch('other')] })],
  ['flag', ldFlag('needs-outer-flag', { prerequisites: [{ key: 'uses-outer', variation: 0 }] })],
  ['flag', ldFlag('needs-needs', { prerequisites: [{ key: 'needs-outer-flag', variation: 0 }] })],
  ['flag', ldFlag('alone')],
]);

const affected = (deps: FlagDependencies, kind: 'flags' | 'segments', key: string) =>
  deps.affectedBy(state[kind].get(key)!).sort();

test('a segment change reaches flags through segments and prerequisites', () => {
  const deps = new FlagDependencies(state);
  assert.deepEqual(affected(deps, 'segments', 'inner'), [
    'needs-needs',
    'needs-outer-flag',
    'uses-outer',
  ]);
  assert.deepEqual(affected(deps, 'segments', 'other'), ['uses-other']);
});

test('a flag change reaches the flag and its prerequisite dependents only', () => {
  const deps = new FlagDependencies(state);
  assert.deepEqual(affected(deps, 'flags', 'needs-outer-flag'), [
    'needs-needs',
    'needs-outer-flag',
  ]);
  assert.deepEqual(affected(deps, 'flags', 'alone'), ['alone']);
});

test('edges follow changes: a flag that stops matching a segment is no longer affected by it', () => {
  const deps = new FlagDependencies(state);
  const previous = state.flags.get('uses-other')!;
  state.applyChange(
    {
      environmentId: 'env',
      seq: 2,
      kind: 'flag',
      key: 'uses-other',
      version: 2,
      item: ldFlag('uses-other', { version: 2, rules: [segmentMatch('inner')] }),
      committedAt: 0,
    },
    0,
  );
  deps.update(previous, state.flags.get('uses-other')!);
  assert.deepEqual(affected(deps, 'segments', 'other'), []);
  assert.deepEqual(affected(deps, 'segments', 'inner'), [
    'needs-needs',
    'needs-outer-flag',
    'uses-other',
    'uses-outer',
  ]);
});
