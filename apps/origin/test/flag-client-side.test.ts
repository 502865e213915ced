import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, createFlag, expectError, seedProject } from './support/fixtures.js';

// A new flag's client-side availability (LaunchDarkly's flag-level `clientSideAvailability` at
// creation): given, it applies to every environment, an environment's own targeting wins, and
// without it a flag is for mobile SDKs only, as before.

type Availability = { usingEnvironmentId: boolean; usingMobileKey: boolean };
const availability = (flag: {
  environments: Record<string, { clientSideAvailability: Availability }>;
}) =>
  Object.fromEntries(
    Object.entries(flag.environments).map(([env, t]) => [env, t.clientSideAvailability]),
  );

describe('client-side availability at flag creation', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
    await seedProject(api, 'p', ['prod', 'test']);
  });
  after(() => api.close());

  test('given, every environment serves the flag to browser and mobile SDKs as asked', async () => {
    const both = { usingEnvironmentId: true, usingMobileKey: true };
    const flag = await createFlag(api, boolFlag('browser', { clientSideAvailability: both }));
    assert.deepEqual(availability(flag), { prod: both, test: both });
    const read = await api.call('GET', '/api/v1/projects/p/flags/browser');
    assert.deepEqual(availability(read.body), { prod: both, test: both });
  });

  test("an environment's own targeting wins over the flag-level setting", async () => {
    const none = { usingEnvironmentId: false, usingMobileKey: false };
    const flag = await createFlag(
      api,
      boolFlag('mixed', {
        clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false },
        environments: { test: { clientSideAvailability: none } },
      }),
    );
    assert.deepEqual(availability(flag), {
      prod: { usingEnvironmentId: true, usingMobileKey: false },
      test: none,
    });
  });

  test('without it a flag is for mobile SDKs only; a malformed one is a 400', async () => {
    const flag = await createFlag(api, boolFlag('server-only'));
    assert.deepEqual(availability(flag)['prod'], {
      usingEnvironmentId: false,
      usingMobileKey: true,
    });
    const bad = await api.call(
      'POST',
      '/api/v1/projects/p/flags',
      boolFlag('bad', { clientSideAvailability: { usingEnvironmentId: 'yes' } }),
    );
    expectError(bad, 400, 'VALIDATION_FAILED');
  });
});
