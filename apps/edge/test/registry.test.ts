import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Directory } from '@vexil/protocol';
import { Registry } from '../src/state/registry.js';

// The registry resolves keys through the directory, honours the expiry of rotated-out keys, and
// reports each expired credential once, without scanning every credential on each clock tick.

const directory = (generatedAt: number): Directory => ({
  generatedAt,
  environments: [
    {
      id: 'env-1',
      projectKey: 'p',
      key: 'prod',
      name: 'Production',
      credentials: [
        { kind: 'sdk', hash: 'current' },
        { kind: 'sdk', hash: 'old-sdk', expiresAt: 10 },
        { kind: 'mobile', hash: 'old-mobile', expiresAt: 20 },
      ],
    },
  ],
  edgeTokens: ['relay-token'],
});

describe('registry', () => {
  test('each expired credential is reported once, when its expiry passes', () => {
    let now = 5;
    const registry = new Registry(10, () => now);
    registry.applyDirectory(directory(1));
    assert.deepEqual(registry.expiredCredentials(), []);
    now = 15;
    assert.deepEqual(registry.expiredCredentials(), ['old-sdk']);
    assert.deepEqual(registry.expiredCredentials(), [], 'reported once');
    now = 25;
    assert.deepEqual(registry.expiredCredentials(), ['old-mobile']);
    assert.deepEqual(registry.expiredCredentials(), []);
  });

  test('a new directory starts the expiry list over', () => {
    let now = 15;
    const registry = new Registry(10, () => now);
    registry.applyDirectory(directory(1));
    assert.deepEqual(registry.expiredCredentials(), ['old-sdk']);
    registry.applyDirectory(directory(2));
    now = 30;
    assert.deepEqual(registry.expiredCredentials().sort(), ['old-mobile', 'old-sdk']);
  });

  test('an edge token left out of a new directory is revoked, as keys are', () => {
    const registry = new Registry(10, () => 0);
    registry.applyDirectory(directory(1));
    const next = { ...directory(2), edgeTokens: [] };
    assert.deepEqual(registry.applyDirectory(next), ['relay-token']);
  });
});
