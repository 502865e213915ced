import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ErrorCode,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type Client,
  type EvaluationContext,
  type EvaluationDetails,
  type FlagValue,
  type Hook,
} from '@openfeature/web-sdk';
import { VexilWebProvider, type VexilWebProviderOptions } from '@vexil/openfeature-web';
import {
  createEnvironment,
  patchFlag,
  startVexil,
  until,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { EventLog } from './support/events.js';
import { FLAGS } from './support/flags.js';
import { MapStorage } from './support/map-storage.js';
import { serve, streams } from './support/vexil-server.js';

// The provider under @openfeature/web-sdk in Node 24 (fetch and streams as in a browser, a
// Map for localStorage) against a real `vexil start`: the details of each type of flag, the
// error codes, the events, context changes, hooks and close. Each test binds its own provider
// to its own domain, so that they share the SDK without sharing state.

/** Details without the flag version (which the import and each change set) in the metadata. */
function plain<T extends FlagValue>(details: EvaluationDetails<T>) {
  const { flagVersion, ...metadata } = details.flagMetadata;
  assert.equal(typeof flagVersion, 'number', `flagVersion of ${details.flagKey}`);
  return { ...details, flagMetadata: metadata };
}

describe('VexilWebProvider with the OpenFeature web SDK', () => {
  let server: VexilServer;
  let env: TestEnvironment;
  /** A second environment, for the tests that count its open streams. */
  let counted: TestEnvironment;

  before(async () => {
    // The SDK logs a failed initialize or context change; the tests assert on them instead.
    OpenFeature.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
    server = await startVexil();
    env = await createEnvironment(server, { project: 'web', data: { flags: FLAGS } });
    counted = await createEnvironment(server, { project: 'web-counted', data: { flags: FLAGS } });
  });

  after(async () => {
    await OpenFeature.close();
    await server?.stop();
  });

  const options = (overrides: Partial<VexilWebProviderOptions> = {}): VexilWebProviderOptions => ({
    clientSideId: env.clientSideId,
    baseUrl: server.url,
    storage: new MapStorage(),
    retryMinMs: 100,
    ...overrides,
  });

  /** A provider bound to `domain`, started for `context`, with the client's event log. */
  async function started(
    domain: string,
    context: EvaluationContext,
    overrides: Partial<VexilWebProviderOptions> = {},
  ): Promise<{ provider: VexilWebProvider; client: Client; log: EventLog }> {
    const provider = new VexilWebProvider(options(overrides));
    const client = OpenFeature.getClient(domain);
    const log = new EventLog(client);
    await OpenFeature.setProviderAndWait(domain, provider, context);
    return { provider, client, log };
  }

  test('metadata, and the details of each type of flag', async () => {
    const { provider, client, log } = await started('details', { targetingKey: 'u-1' });
    assert.deepEqual(provider.metadata, { name: 'vexil-web' });
    assert.equal(provider.runsOn, 'client');
    assert.equal(client.metadata.providerMetadata.name, 'vexil-web');
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.deepEqual(log.types(), [ProviderEvents.Ready]);

    const fallthrough = { reasonKind: 'FALLTHROUGH', ldReason: '{"kind":"FALLTHROUGH"}' };
    // Without the flag a default rule cannot be told from targeting: TARGETING_MATCH.
    assert.deepEqual(plain(client.getBooleanDetails('new-checkout', true)), {
      flagKey: 'new-checkout',
      value: false,
      variant: '1',
      reason: 'TARGETING_MATCH',
      flagMetadata: fallthrough,
    });
    assert.deepEqual(plain(client.getStringDetails('banner-text', 'fallback')), {
      flagKey: 'banner-text',
      value: 'Welcome',
      variant: '0',
      reason: 'TARGETING_MATCH',
      flagMetadata: fallthrough,
    });
    assert.deepEqual(plain(client.getNumberDetails('max-items', 0)), {
      flagKey: 'max-items',
      value: 10,
      variant: '0',
      reason: 'TARGETING_MATCH',
      flagMetadata: fallthrough,
    });
    assert.deepEqual(plain(client.getObjectDetails('theme', {})), {
      flagKey: 'theme',
      value: { color: 'dark', density: 2 },
      variant: '0',
      reason: 'TARGETING_MATCH',
      flagMetadata: fallthrough,
    });
  });

  test('targets, rules on attributes, and Dates sent as ISO strings', async () => {
    const { client } = await started('targeting', {
      targetingKey: 'vip',
      plan: 'gold',
      signedUpAt: new Date('2019-05-01T12:00:00Z'),
    });
    assert.deepEqual(plain(client.getBooleanDetails('new-checkout', false)), {
      flagKey: 'new-checkout',
      value: true,
      variant: '0',
      reason: 'TARGETING_MATCH',
      flagMetadata: { reasonKind: 'TARGET_MATCH', ldReason: '{"kind":"TARGET_MATCH"}' },
    });
    const perks = client.getStringDetails('plan-perks', 'fallback');
    assert.equal(perks.value, 'gold-perks');
    assert.equal(perks.flagMetadata['ruleIndex'], 0);
    assert.equal(perks.flagMetadata['ruleId'], 'gold');
    assert.equal(client.getBooleanValue('early-adopter', false), true);
  });

  test('error codes: unknown and hidden flags, wrong types; off flags are DISABLED', async () => {
    const { client } = await started('errors', { targetingKey: 'u-2' });
    const failure = (d: EvaluationDetails<FlagValue>) => [d.value, d.reason, d.errorCode];
    assert.deepEqual(failure(client.getBooleanDetails('no-such-flag', true)), [
      true,
      'ERROR',
      ErrorCode.FLAG_NOT_FOUND,
    ]);
    // Not available to client-side IDs: the edge never sends it.
    const hidden = client.getBooleanDetails('server-only', false);
    assert.deepEqual(failure(hidden), [false, 'ERROR', ErrorCode.FLAG_NOT_FOUND]);
    assert.match(hidden.errorMessage ?? '', /usingEnvironmentId/);

    const mismatch = client.getStringDetails('new-checkout', 'x');
    assert.deepEqual(failure(mismatch), ['x', 'ERROR', ErrorCode.TYPE_MISMATCH]);
    assert.match(mismatch.errorMessage ?? '', /serves a boolean, not a string/);
    assert.deepEqual(failure(client.getNumberDetails('theme', 7)), [
      7,
      'ERROR',
      ErrorCode.TYPE_MISMATCH,
    ]);
    assert.deepEqual(failure(client.getObjectDetails('banner-text', { a: 1 })), [
      { a: 1 },
      'ERROR',
      ErrorCode.TYPE_MISMATCH,
    ]);

    // Off with an off variation: that value; off without one: the application's default.
    const paused = client.getStringDetails('paused', 'fallback');
    assert.deepEqual(
      [paused.value, paused.variant, paused.reason, paused.errorCode],
      ['paused', '0', 'DISABLED', undefined],
    );
    const killed = client.getBooleanDetails('killed', true);
    assert.deepEqual(
      [killed.value, killed.variant, killed.reason, killed.errorCode],
      [true, undefined, 'DISABLED', undefined],
    );
    assert.equal(killed.flagMetadata['reasonKind'], 'OFF');
  });

  test('a context the edge cannot take: initialize fails naming it, then a good one is READY', async () => {
    const provider = new VexilWebProvider(options());
    const client = OpenFeature.getClient('no-key');
    const log = new EventLog(client);
    await assert.rejects(
      OpenFeature.setProviderAndWait('no-key', provider, { plan: 'gold' }),
      /has no targetingKey/,
    );
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    const missing = client.getBooleanDetails('new-checkout', true);
    assert.equal(missing.errorCode, ErrorCode.TARGETING_KEY_MISSING);

    await OpenFeature.setContext('no-key', { targetingKey: 'u-3', kind: 'not a kind!' });
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    assert.equal(
      client.getBooleanDetails('new-checkout', true).errorCode,
      ErrorCode.INVALID_CONTEXT,
    );

    await OpenFeature.setContext('no-key', { targetingKey: 'u-3' });
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(client.getBooleanValue('new-checkout', true), false);
    assert.deepEqual(log.types(), [
      ProviderEvents.Error,
      ProviderEvents.Reconciling,
      ProviderEvents.Error,
      ProviderEvents.Reconciling,
      ProviderEvents.ContextChanged,
    ]);
  });

  test('changes are pushed: CONFIGURATION_CHANGED names the flags an application would see change', async () => {
    const { client, log } = await started('changes', { targetingKey: 'u-4' });
    assert.equal(client.getStringValue('headline', 'fallback'), 'v1');
    const version = () =>
      client.getBooleanDetails('new-checkout', true).flagMetadata['flagVersion'];
    const before = version();

    // A target for someone else: the flag's version moves, u-4's result does not, so the
    // metadata follows quietly. Then a change u-4 sees. Both travel in order on one stream, so
    // the first event is the second change's.
    const from = log.seen.length;
    await patchFlag(server, env, 'new-checkout', [
      {
        op: 'add',
        path: '/environments/{env}/targets/-',
        value: { values: ['someone-else'], variation: 0 },
      },
    ]);
    await serve(server, env, 'headline', 1);
    const changed = await log.changed('headline', from);
    assert.deepEqual(changed.details?.flagsChanged, ['headline']);
    assert.deepEqual(
      log.since(from).map((e) => e.type),
      [ProviderEvents.ConfigurationChanged],
    );
    assert.equal(client.getStringValue('headline', 'fallback'), 'v2');
    assert.equal(client.getBooleanValue('new-checkout', true), false);
    assert.ok((version() as number) > (before as number), 'the metadata has the new version');

    // A deleted flag is a change too, and then not found.
    await server.api.expect(204, 'DELETE', `/api/v1/projects/${env.projectKey}/flags/doomed`);
    await log.changed('doomed', from);
    assert.equal(client.getNumberDetails('doomed', 0).errorCode, ErrorCode.FLAG_NOT_FOUND);
    assert.equal(client.providerStatus, ProviderStatus.READY);
  });

  test('a context change re-evaluates at the edge: RECONCILING, then the new context’s values only', async () => {
    const baseline = await streams(server, counted);
    const { client, log } = await started(
      'switch',
      { targetingKey: 'u-5', plan: 'basic' },
      { clientSideId: counted.clientSideId },
    );
    assert.equal(client.getStringValue('plan-perks', 'fallback'), 'none');
    const open = async () => (await streams(server, counted)) - baseline;
    await until('one stream for the context', async () => (await open()) === 1);

    const from = log.seen.length;
    const changing = OpenFeature.setContext('switch', { targetingKey: 'u-6', plan: 'gold' });
    // Until the edge answers for u-6, u-5's values are not served as u-6's.
    assert.equal(client.providerStatus, ProviderStatus.RECONCILING);
    const during = client.getStringDetails('plan-perks', 'fallback');
    assert.deepEqual([during.value, during.errorCode], ['fallback', ErrorCode.PROVIDER_NOT_READY]);
    await changing;
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(client.getStringValue('plan-perks', 'fallback'), 'gold-perks');
    assert.deepEqual(
      log.since(from).map((e) => e.type),
      [ProviderEvents.Reconciling, ProviderEvents.ContextChanged],
    );
    // The old context's stream is closed: one stream, the new one.
    await until('the old stream to close', async () => (await open()) === 1);

    // The same LaunchDarkly context again (another object): nothing to reconcile.
    const again = log.seen.length;
    await OpenFeature.setContext('switch', { plan: 'gold', targetingKey: 'u-6' });
    assert.deepEqual(
      log.since(again).map((e) => e.type),
      [ProviderEvents.ContextChanged],
    );
  });

  test('hooks see the provider’s details and its errors', async () => {
    const { client } = await started('hooks', { targetingKey: 'u-7' });
    const seen: string[] = [];
    const hook: Hook = {
      before: (ctx) => void seen.push(`before ${ctx.flagKey} ${ctx.providerMetadata.name}`),
      after: (_ctx, details) =>
        void seen.push(
          `after ${details.flagKey} ${details.reason} ${details.flagMetadata['reasonKind']}`,
        ),
      error: (ctx, error) =>
        void seen.push(`error ${ctx.flagKey} ${(error as { code: string }).code}`),
      finally: (_ctx, details) =>
        void seen.push(`finally ${details.flagKey} ${String(details.value)}`),
    };
    client.addHooks(hook);
    client.getBooleanValue('new-checkout', true);
    client.getBooleanValue('no-such-flag', true);
    assert.deepEqual(seen, [
      'before new-checkout vexil-web',
      'after new-checkout TARGETING_MATCH FALLTHROUGH',
      'finally new-checkout false',
      'before no-such-flag vexil-web',
      'error no-such-flag FLAG_NOT_FOUND',
      'finally no-such-flag true',
    ]);
  });

  test('an unknown client-side ID is fatal: initialize fails saying so, evaluations PROVIDER_FATAL', async () => {
    const provider = new VexilWebProvider(options({ clientSideId: '0123456789abcdef01234567' }));
    const client = OpenFeature.getClient('unknown-id');
    await assert.rejects(
      OpenFeature.setProviderAndWait('unknown-id', provider, { targetingKey: 'u-8' }),
      /client-side ID "0123456789abcdef01234567" is unknown/,
    );
    assert.equal(client.providerStatus, ProviderStatus.FATAL);
    assert.equal(
      client.getBooleanDetails('new-checkout', true).errorCode,
      ErrorCode.PROVIDER_FATAL,
    );
  });

  test('the last five contexts are stored, the least recently used out', async () => {
    const storage = new MapStorage();
    await started('stored', { targetingKey: 'c-0' }, { storage });
    for (let i = 1; i <= 6; i++) await OpenFeature.setContext('stored', { targetingKey: `c-${i}` });
    assert.deepEqual(storage.contexts(env.clientSideId), ['c-6', 'c-5', 'c-4', 'c-3', 'c-2']);
    // Back to c-3: it moves to the front when its values arrive.
    await OpenFeature.setContext('stored', { targetingKey: 'c-3' });
    assert.deepEqual(storage.contexts(env.clientSideId), ['c-3', 'c-6', 'c-5', 'c-4', 'c-2']);
  });

  test('closing the provider ends its stream', async () => {
    const baseline = await streams(server, counted);
    const { client } = await started(
      'closing',
      { targetingKey: 'u-9' },
      { clientSideId: counted.clientSideId },
    );
    const open = async () => (await streams(server, counted)) - baseline;
    await until('its stream', async () => (await open()) === 1);
    // Replacing the provider closes the old one, as OpenFeature.close() does.
    await OpenFeature.setProviderAndWait('closing', new VexilWebProvider(options()), {
      targetingKey: 'u-9',
    });
    await until('its stream to close', async () => (await open()) === 0);
    assert.equal(client.providerStatus, ProviderStatus.READY);
  });
});
