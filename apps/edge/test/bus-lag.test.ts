import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BusLag, type SyncedEnvironment } from '../src/metrics/bus-lag.js';

// The bus-lag sampler asks the upstream head of a bounded number of environments per interval,
// in turn, so an idle edge's cost does not grow with the number of environments it holds.

describe('bus lag sampling', () => {
  test('each sample asks at most perSample heads, and every environment gets its turn', async () => {
    const environments: SyncedEnvironment[] = Array.from({ length: 250 }, (_, i) => ({
      id: `env-${i}`,
      seq: i,
      ready: i !== 7,
    }));
    const asked: string[] = [];
    const lag = new BusLag(
      () => environments,
      async (id) => {
        asked.push(id);
        return Number(id.slice(4)) + 2;
      },
      60_000,
      100,
    );
    await lag.sample();
    assert.equal(asked.length, 100);
    await lag.sample();
    await lag.sample();
    assert.equal(asked.length, 249, 'the last sample takes the 49 left');
    assert.equal(new Set(asked).size, 249, 'no environment asked twice, the unready one never');
    const values = new Map(lag.values());
    assert.equal(values.size, 249);
    assert.ok([...values.values()].every((v) => v === 2));
    await lag.sample();
    assert.deepEqual(asked.slice(249, 251), ['env-0', 'env-1'], 'then it starts over');
  });
});
