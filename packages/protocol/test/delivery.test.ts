import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDirectoryEntry } from '@vexil/protocol';

// What the bus adapters accept as a directory entry: an environment's secure-mode keys must be
// keys an edge can verify with, or the entry is not one (the edge then knows no such
// environment, and refuses its clients rather than serving them unchecked).

describe('isDirectoryEntry', () => {
  const environment = { id: 'e1', projectKey: 'p', key: 'prod', name: 'Production' };
  const entry = (extra: object) => ({
    type: 'environment',
    environment,
    credentials: [],
    ...extra,
  });

  test('an environment with or without secure-mode keys', () => {
    assert.equal(isDirectoryEntry(entry({})), true);
    assert.equal(isDirectoryEntry(entry({ secureModeKeys: [{ key: 'sdk-1' }] })), true);
    assert.equal(
      isDirectoryEntry(
        entry({ secureModeKeys: [{ key: 'sdk-1' }, { key: 'sdk-0', expiresAt: 9 }] }),
      ),
      true,
    );
  });

  test('secure-mode keys that verify nothing', () => {
    for (const secureModeKeys of [
      [],
      [{}],
      [{ key: 1 }],
      [{ key: 'k', expiresAt: '9' }],
      'k',
      [null],
    ])
      assert.equal(
        isDirectoryEntry(entry({ secureModeKeys })),
        false,
        JSON.stringify(secureModeKeys),
      );
  });
});
