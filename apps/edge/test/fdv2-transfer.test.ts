import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Change, JsonObject } from '@vexil/protocol';
import {
  parseSelector,
  planTransfer,
  pollTransfer,
  selectorOf,
  streamTransfer,
} from '../src/protocols/fdv2-payloads.js';
import { EnvironmentState } from '../src/state/environment-state.js';

// The basis -> intent decision and the serialize-once guarantee, on an environment state driven
// directly (no sockets).

const ENV = 'env0000000000000000000001';

function stateWith(historySize: number): {
  state: EnvironmentState;
  commit: (key: string, over?: JsonObject) => Change;
} {
  const state = new EnvironmentState(ENV, { historySize });
  state.applySnapshot({ environmentId: ENV, seq: 10, items: [] }, 0);
  const versions = new Map<string, number>();
  const commit = (key: string, over: JsonObject = {}) => {
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
    const change: Change = {
      environmentId: ENV,
      seq: state.seq + 1,
      kind: 'flag',
      key,
      version,
      item: { key, version, on: true, variations: [true, false], ...over },
      committedAt: 0,
    };
    assert.equal(state.applyChange(change, 0), 'applied');
    return change;
  };
  return { state, commit };
}

describe('FDv2 transfer planning', () => {
  test('selectors round-trip and reject what they did not issue', () => {
    const { state } = stateWith(10);
    assert.deepEqual(parseSelector(selectorOf(state)), { environmentId: ENV, seq: 10 });
    for (const bad of [
      '',
      ':5',
      'env',
      'env:',
      'env:x',
      'env:-1',
      'env:1.5',
      'env:1234567890123456',
    ])
      assert.equal(parseSelector(bad), undefined, bad);
  });

  test('intent by basis', () => {
    const { state, commit } = stateWith(3);
    assert.deepEqual(planTransfer(state, null), { intent: 'xfer-full', reason: 'payload-missing' });
    assert.deepEqual(planTransfer(state, `${ENV}:10`), { intent: 'none' });
    commit('a');
    commit('b');
    commit('a', { on: false });
    const changes = planTransfer(state, `${ENV}:10`);
    assert.equal(changes.intent, 'xfer-changes');
    assert.deepEqual(
      changes.intent === 'xfer-changes' ? changes.items.map((i) => `${i.key}@${i.version}`) : [],
      ['b@1', 'a@2'],
    );
    commit('c');
    assert.deepEqual(planTransfer(state, `${ENV}:10`), { intent: 'xfer-full', reason: 'stale' });
    assert.equal(planTransfer(state, `${ENV}:11`).intent, 'xfer-changes');
    assert.deepEqual(planTransfer(state, `other:14`), { intent: 'xfer-full', reason: 'stale' });
    assert.deepEqual(planTransfer(state, `${ENV}:15`), { intent: 'xfer-full', reason: 'stale' });
  });

  test('a full transfer is serialized once per environment version', () => {
    const { state, commit } = stateWith(3);
    commit('a');
    const full = { intent: 'xfer-full', reason: 'payload-missing' } as const;
    const first = streamTransfer(state, full);
    assert.equal(streamTransfer(state, full), first);
    assert.equal(pollTransfer(state, full), pollTransfer(state, full));
    commit('b');
    assert.notEqual(streamTransfer(state, full), first);
  });
});
