import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ErrorCode,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
  type Client,
  type EvaluationDetails,
  type FlagValue,
  type Hook,
} from '@openfeature/server-sdk';
import {
  createEnvironment,
  patchFlag,
  startVexil,
  until,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { PROVIDER_DEFAULTS, VexilProvider, VexilProviderError } from '../src/index.js';
import { EventLog } from './support/event-log.js';
import { byKey, ldFlag, ldSegment } from './support/ld-items.js';

// The provider against a real `vexil start`, through the OpenFeature server SDK as an
// application uses it: metadata, evaluation details of every type, the error codes, hooks,
// change events for flags and for the segments flags depend on, evaluation counts, shutdown.

const DOMAIN = 'provider-test';
const SIGNUP_CUTOFF = Date.UTC(2024, 0, 1);

const flags = [
  ldFlag('bool-flag', { targets: [{ values: ['blocked'], variation: 1 }] }),
  ldFlag('string-flag', {
    variations: ['red', 'green'],
    rules: [
      {
        id: 'gold-plan',
        clauses: [{ attribute: 'plan', op: 'in', values: ['gold'], negate: false }],
        variation: 1,
      },
    ],
  }),
  ldFlag('number-flag', {
    variations: [1, 2.5],
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: 50_000 },
          { variation: 1, weight: 50_000 },
        ],
      },
    },
  }),
  ldFlag('object-flag', { variations: [{ theme: 'dark' }, { theme: 'light' }] }),
  ldFlag('off-without-variation', { on: false, offVariation: null }),
  ldFlag('malformed', { on: false, offVariation: 5 }),
  ldFlag('org-flag', {
    rules: [
      {
        id: 'enterprise',
        clauses: [
          {
            contextKind: 'org',
            attribute: 'tier',
            op: 'in',
            values: ['enterprise'],
            negate: false,
          },
        ],
        variation: 1,
      },
    ],
  }),
  ldFlag('date-flag', {
    variations: ['old', 'new'],
    rules: [
      {
        id: 'recent',
        clauses: [{ attribute: 'signup', op: 'after', values: [SIGNUP_CUTOFF], negate: false }],
        variation: 1,
      },
    ],
  }),
  ldFlag('segment-flag', {
    fallthrough: { variation: 1 },
    rules: [
      {
        id: 'beta',
        clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['beta'], negate: false }],
        variation: 0,
      },
    ],
  }),
  ldFlag('requires-segment-flag', {
    variations: ['without', 'with'],
    prerequisites: [{ key: 'segment-flag', variation: 0 }],
    fallthrough: { variation: 1 },
    offVariation: 0,
  }),
];
const segments = [ldSegment('beta', { included: ['u-beta'] })];

const user = { targetingKey: 'u-1', plan: 'silver' };

describe('VexilProvider with the OpenFeature server SDK', () => {
  let server: VexilServer;
  let env: TestEnvironment;
  let provider: VexilProvider;
  let client: Client;
  let log: EventLog;

  before(async () => {
    server = await startVexil();
    env = await createEnvironment(server, {
      data: { flags: byKey(flags), segments: byKey(segments) },
    });
    provider = new VexilProvider({ sdkKey: env.sdkKey, baseUrl: server.url, flushIntervalMs: 200 });
    client = OpenFeature.getClient(DOMAIN);
    log = new EventLog(client);
    await OpenFeature.setProviderAndWait(DOMAIN, provider);
  });
  after(async () => {
    await OpenFeature.close();
    await server?.stop();
  });

  test('metadata: named vexil, for servers, READY once the flags arrived', () => {
    assert.equal(client.metadata.providerMetadata.name, 'vexil');
    assert.equal(OpenFeature.getProviderMetadata(DOMAIN).name, 'vexil');
    assert.equal(provider.runsOn, 'server');
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(log.count(ProviderEvents.Ready), 1);
  });

  test('options are checked at construction, with a code and what to pass', () => {
    assert.throws(
      () => new VexilProvider({ sdkKey: '', baseUrl: server.url }),
      (e: unknown) => e instanceof VexilProviderError && e.code === 'INVALID_OPTIONS',
    );
    assert.throws(
      () => new VexilProvider({ sdkKey: env.sdkKey, baseUrl: 'edge.internal' }),
      /baseUrl must be an absolute http\(s\) URL/,
    );
    assert.throws(
      () => new VexilProvider({ sdkKey: env.sdkKey, baseUrl: server.url, retryMinMs: -1 }),
      /retryMinMs/,
    );
    assert.ok(Object.isFrozen(PROVIDER_DEFAULTS));
  });

  test('a boolean flag: value, variant, reason and the LaunchDarkly reason in metadata', async () => {
    const details = await client.getBooleanDetails('bool-flag', false, user);
    assert.equal(details.value, true);
    assert.equal(details.variant, '0');
    // The flag has targets, so its default rule is targeting, not a static value.
    assert.equal(details.reason, StandardResolutionReasons.TARGETING_MATCH);
    assert.equal(details.errorCode, undefined);
    assert.equal(details.flagMetadata['reasonKind'], 'FALLTHROUGH');
    assert.deepEqual(JSON.parse(String(details.flagMetadata['ldReason'])), { kind: 'FALLTHROUGH' });
    assert.equal(typeof details.flagMetadata['flagVersion'], 'number');

    const blocked = await client.getBooleanDetails('bool-flag', true, { targetingKey: 'blocked' });
    assert.deepEqual(
      [blocked.value, blocked.variant, blocked.reason],
      [false, '1', 'TARGETING_MATCH'],
    );
    assert.equal(blocked.flagMetadata['reasonKind'], 'TARGET_MATCH');
  });

  test('a string flag: a rule match names the rule', async () => {
    const gold = await client.getStringDetails('string-flag', 'none', {
      targetingKey: 'u-2',
      plan: 'gold',
    });
    assert.deepEqual([gold.value, gold.variant, gold.reason], ['green', '1', 'TARGETING_MATCH']);
    assert.equal(gold.flagMetadata['ruleIndex'], 0);
    assert.equal(gold.flagMetadata['ruleId'], 'gold-plan');
    assert.equal(await client.getStringValue('string-flag', 'none', user), 'red');
  });

  test('a number flag: a percentage rollout is SPLIT, the same for the same key', async () => {
    const first = await client.getNumberDetails('number-flag', 0, user);
    assert.ok(first.value === 1 || first.value === 2.5);
    assert.equal(first.reason, StandardResolutionReasons.SPLIT);
    assert.equal(first.variant, first.value === 1 ? '0' : '1');
    const again = await client.getNumberDetails('number-flag', 0, user);
    assert.equal(again.value, first.value);
  });

  test('an object flag without targeting is STATIC', async () => {
    const details = await client.getObjectDetails('object-flag', {}, user);
    assert.deepEqual(details.value, { theme: 'dark' });
    assert.equal(details.reason, StandardResolutionReasons.STATIC);
  });

  test('off without an off variation: the caller default, reason DISABLED, no error', async () => {
    const details = await client.getBooleanDetails('off-without-variation', true, user);
    assert.equal(details.value, true);
    assert.equal(details.reason, StandardResolutionReasons.DISABLED);
    assert.equal(details.variant, undefined);
    assert.equal(details.errorCode, undefined);
    assert.equal(details.flagMetadata['reasonKind'], 'OFF');
  });

  test('error codes: FLAG_NOT_FOUND, TYPE_MISMATCH, TARGETING_KEY_MISSING, INVALID_CONTEXT, GENERAL', async () => {
    const expectError = (details: EvaluationDetails<FlagValue>, code: ErrorCode, text: RegExp) => {
      assert.equal(details.errorCode, code);
      assert.equal(details.reason, StandardResolutionReasons.ERROR);
      assert.match(details.errorMessage ?? '', text);
    };
    const missing = await client.getBooleanDetails('no-such-flag', true, user);
    expectError(missing, ErrorCode.FLAG_NOT_FOUND, /no flag "no-such-flag"/);
    assert.equal(missing.value, true);

    const mismatch = await client.getNumberDetails('bool-flag', 7, user);
    expectError(
      mismatch,
      ErrorCode.TYPE_MISMATCH,
      /served a boolean value; it was asked for as a number/,
    );
    assert.equal(mismatch.value, 7);
    expectError(
      await client.getObjectDetails('string-flag', { a: 1 }, user),
      ErrorCode.TYPE_MISMATCH,
      /as an object/,
    );

    expectError(
      await client.getBooleanDetails('bool-flag', false, { plan: 'gold' }),
      ErrorCode.TARGETING_KEY_MISSING,
      /targetingKey/,
    );
    expectError(
      await client.getBooleanDetails('bool-flag', false),
      ErrorCode.TARGETING_KEY_MISSING,
      /targetingKey/,
    );
    expectError(
      await client.getBooleanDetails('bool-flag', false, {
        targetingKey: 'u-1',
        kind: 'not a kind',
      }),
      ErrorCode.INVALID_CONTEXT,
      /kind/,
    );
    expectError(
      await client.getBooleanDetails('bool-flag', false, { kind: 'multi', user: 'u-1' }),
      ErrorCode.INVALID_CONTEXT,
      /"user" is not an object/,
    );
    expectError(
      await client.getBooleanDetails('bool-flag', false, {
        targetingKey: 'u-1',
        signup: new Date(NaN),
      }),
      ErrorCode.INVALID_CONTEXT,
      /invalid Date/,
    );

    const malformed = await client.getBooleanDetails('malformed', false, user);
    expectError(malformed, ErrorCode.GENERAL, /MALFORMED_FLAG/);
    assert.equal(malformed.flagMetadata['errorKind'], 'MALFORMED_FLAG');
    assert.equal(malformed.flagMetadata['reasonKind'], 'ERROR');
  });

  test('contexts: multi-kind as OFREP maps them, Dates as ISO timestamps', async () => {
    const multi = {
      kind: 'multi',
      user: { targetingKey: 'u-1' },
      org: { targetingKey: 'acme', tier: 'enterprise' },
    };
    const org = await client.getBooleanDetails('org-flag', true, multi);
    assert.deepEqual(
      [org.value, org.reason, org.flagMetadata['ruleId']],
      [false, 'TARGETING_MATCH', 'enterprise'],
    );
    const single = await client.getBooleanDetails('org-flag', false, {
      targetingKey: 'acme',
      kind: 'org',
      tier: 'enterprise',
    });
    assert.equal(single.value, false);
    assert.equal(await client.getBooleanValue('org-flag', false, user), true);

    const recent = { targetingKey: 'u-1', signup: new Date(SIGNUP_CUTOFF + 86_400_000) };
    const old = { targetingKey: 'u-1', signup: new Date(SIGNUP_CUTOFF - 86_400_000) };
    assert.equal(await client.getStringValue('date-flag', 'none', recent), 'new');
    assert.equal(await client.getStringValue('date-flag', 'none', old), 'old');
  });

  test('hooks run around evaluations: before may add context, after sees the details', async () => {
    const seen: string[] = [];
    const hook: Hook = {
      before: () => {
        seen.push('before');
        return { targetingKey: 'blocked' };
      },
      after: (_context, details) => {
        seen.push(`after ${String(details.value)} ${details.variant ?? ''}`);
      },
      error: (_context, error) => {
        seen.push(`error ${(error as { code?: string }).code ?? ''}`);
      },
      finally: (_context, details) => {
        seen.push(`finally ${details.reason ?? ''}`);
      },
    };
    assert.equal(await client.getBooleanValue('bool-flag', true, {}, { hooks: [hook] }), false);
    assert.deepEqual(seen, ['before', 'after false 1', 'finally TARGETING_MATCH']);
    seen.length = 0;
    await client.getBooleanValue('no-such-flag', true, user, { hooks: [hook] });
    assert.deepEqual(seen, ['before', 'error FLAG_NOT_FOUND', 'finally ERROR']);
  });

  test('a flag PATCH: CONFIGURATION_CHANGED names the flag, and the new value is served', async () => {
    const before = log.changes().length;
    await patchFlag(server, env, 'string-flag', [
      { op: 'replace', path: '/environments/{env}/fallthrough', value: { variation: 1 } },
    ]);
    await until('a change event for string-flag', () => log.changed('string-flag'));
    assert.deepEqual(log.changes().slice(before), [['string-flag']]);
    assert.equal(await client.getStringValue('string-flag', 'none', user), 'green');
  });

  test('a segment change names the flags that match it, directly or as a prerequisite', async () => {
    const beta = { targetingKey: 'u-2' };
    assert.equal(await client.getBooleanValue('segment-flag', true, beta), false);
    assert.equal(await client.getStringValue('requires-segment-flag', 'x', beta), 'without');
    const before = log.changes().length;
    await server.api.expect(
      200,
      'PATCH',
      `/api/v1/projects/${env.projectKey}/environments/${env.environmentKey}/segments/beta`,
      [{ op: 'add', path: '/included/-', value: 'u-2' }],
    );
    await until('a change event after the segment change', () => log.changes().length > before);
    assert.deepEqual(log.changes().slice(before).flat().sort(), [
      'requires-segment-flag',
      'segment-flag',
    ]);
    assert.equal(await client.getBooleanValue('segment-flag', false, beta), true);
    assert.equal(await client.getStringValue('requires-segment-flag', 'x', beta), 'with');
  });

  test('evaluation counts reach the flag insights (POST /bulk summaries)', async () => {
    const insights = async () => {
      const res = await server.api.expect(
        200,
        'GET',
        `/api/v1/projects/${env.projectKey}/flags/object-flag/insights?env=${env.environmentKey}`,
      );
      return res.body.totals as Record<string, number>;
    };
    for (let i = 0; i < 25; i++)
      await client.getObjectValue('object-flag', {}, { targetingKey: `u-${i}` });
    await until(
      '25 evaluations of object-flag in its insights',
      async () => ((await insights())['0'] ?? 0) >= 26,
      30_000,
      250,
    );
    assert.equal((await insights())['0'], 26);
  });
});
