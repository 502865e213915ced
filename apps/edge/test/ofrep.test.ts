import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature, type Client, type EvaluationContext } from '@openfeature/server-sdk';
import { getJson, synced, without } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';

// OFREP with the real OpenFeature server SDK and its OFREP provider pointed at the edge (the
// provider has no cache: every evaluation is one POST, so a change is visible on the next one),
// plus raw requests for authentication variants, the bulk endpoint and its ETag.

const DOMAIN = 'vexil-ofrep-test';
const user: EvaluationContext = { targetingKey: 'u1' };
const goldOrg: EvaluationContext = {
  kind: 'multi',
  user: { targetingKey: 'u1' },
  org: { targetingKey: 'acme', plan: 'gold' },
};

describe('OFREP', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let client: Client;

  before(async () => {
    edge = await startEdgeServer();
    env = await edge.origin.addEnvironment('ofrep');
    const put = (json: Parameters<typeof edge.origin.put>[2]) => edge.origin.put(env, 'flag', json);
    await put(ldFlag('bool-flag'));
    await put(
      ldFlag('string-flag', {
        variations: ['red', 'green'],
        targets: [{ values: ['u-target'], variation: 1 }],
      }),
    );
    await put(
      ldFlag('number-flag', {
        variations: [1.5, 42],
        rules: [
          {
            id: 'gold-orgs',
            variation: 1,
            clauses: [{ contextKind: 'org', attribute: 'plan', op: 'in', values: ['gold'] }],
          },
        ],
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
      }),
    );
    await put(ldFlag('object-flag', { variations: [{ theme: 'dark' }, { theme: 'light' }] }));
    await put(ldFlag('off-flag', { on: false }));
    await put(without(ldFlag('no-off-variation', { on: false }), 'offVariation'));
    await put(ldFlag('prereq-flag', { prerequisites: [{ key: 'off-flag', variation: 0 }] }));
    await put(ldFlag('malformed', { fallthrough: { variation: 5 } }));
    await put(ldFlag('unparseable', { variations: 'not a list' }));
    await synced(edge, env);
    await OpenFeature.setProviderAndWait(
      DOMAIN,
      new OFREPProvider({ baseUrl: edge.url, headers: [['Authorization', env.sdkKey]] }),
    );
    client = OpenFeature.getClient(DOMAIN);
  });
  after(async () => {
    await OpenFeature.close();
    await edge.close();
  });

  describe('through the OpenFeature SDK and the OFREP provider', () => {
    test('boolean: a flag with no targeting is STATIC', async () => {
      const details = await client.getBooleanDetails('bool-flag', false, user);
      assert.equal(details.value, true);
      assert.equal(details.reason, 'STATIC');
      assert.equal(details.variant, '0');
      assert.equal(details.errorCode, undefined);
      assert.deepEqual(details.flagMetadata, {
        flagVersion: 1,
        reasonKind: 'FALLTHROUGH',
        ldReason: '{"kind":"FALLTHROUGH"}',
      });
    });

    test('string: individual targets, and the default rule for everyone else, are TARGETING_MATCH', async () => {
      const target = await client.getStringDetails('string-flag', 'x', {
        targetingKey: 'u-target',
      });
      assert.deepEqual(
        [target.value, target.reason, target.variant],
        ['green', 'TARGETING_MATCH', '1'],
      );
      const other = await client.getStringDetails('string-flag', 'x', user);
      assert.deepEqual([other.value, other.reason], ['red', 'TARGETING_MATCH']);
      assert.equal(other.flagMetadata['reasonKind'], 'FALLTHROUGH');
    });

    test('number: a rule on an org, from a multi-kind or an org context; a rollout is SPLIT', async () => {
      const multi = await client.getNumberDetails('number-flag', 0, goldOrg);
      assert.deepEqual([multi.value, multi.reason], [42, 'TARGETING_MATCH']);
      assert.equal(multi.flagMetadata['ruleId'], 'gold-orgs');
      assert.equal(multi.flagMetadata['reasonKind'], 'RULE_MATCH');
      const org = await client.getNumberDetails('number-flag', 0, {
        targetingKey: 'acme',
        kind: 'org',
        plan: 'gold',
      });
      assert.equal(org.value, 42);
      const split = await client.getNumberDetails('number-flag', 0, user);
      assert.equal(split.reason, 'SPLIT');
      assert.ok(split.value === 1.5 || split.value === 42);
    });

    test('object values', async () => {
      const details = await client.getObjectDetails('object-flag', {}, user);
      assert.deepEqual(details.value, { theme: 'dark' });
    });

    test('an off flag, and a failed prerequisite, are DISABLED', async () => {
      const off = await client.getBooleanDetails('off-flag', true, user);
      assert.deepEqual([off.value, off.reason], [false, 'DISABLED']);
      const prereq = await client.getBooleanDetails('prereq-flag', true, user);
      assert.deepEqual([prereq.value, prereq.reason], [false, 'DISABLED']);
      assert.equal(prereq.flagMetadata['prerequisiteKey'], 'off-flag');
    });

    test('no off variation: the code default applies', async () => {
      const details = await client.getBooleanDetails('no-off-variation', true, user);
      assert.equal(details.value, true);
    });

    test('a change is visible on the next evaluation', async () => {
      await edge.origin.put(env, 'flag', ldFlag('bool-flag', { fallthrough: { variation: 1 } }));
      await synced(edge, env);
      const details = await client.getBooleanDetails('bool-flag', true, user);
      assert.deepEqual([details.value, details.variant], [false, '1']);
      await edge.origin.put(env, 'flag', ldFlag('bool-flag'));
      await synced(edge, env);
      assert.equal(await client.getBooleanValue('bool-flag', false, user), true);
    });

    test('error codes: FLAG_NOT_FOUND, TARGETING_KEY_MISSING, INVALID_CONTEXT, PARSE_ERROR, GENERAL', async () => {
      const cases: [string, EvaluationContext, string][] = [
        ['no-such-flag', user, 'FLAG_NOT_FOUND'],
        ['bool-flag', {}, 'TARGETING_KEY_MISSING'],
        ['bool-flag', { kind: 'multi', user: { email: 'a@x' } }, 'TARGETING_KEY_MISSING'],
        ['bool-flag', { targetingKey: 'u1', kind: 'not:valid' }, 'INVALID_CONTEXT'],
        ['bool-flag', { targetingKey: 'u1', anonymous: 'yes' }, 'INVALID_CONTEXT'],
        ['bool-flag', { kind: 'multi', user: 'u1' }, 'INVALID_CONTEXT'],
        ['unparseable', user, 'PARSE_ERROR'],
        ['malformed', user, 'GENERAL'],
      ];
      for (const [key, context, code] of cases) {
        const details = await client.getBooleanDetails(key, true, context);
        assert.equal(details.errorCode, code, `${key} ${JSON.stringify(context)}`);
        assert.equal(details.value, true);
        assert.equal(details.reason, 'ERROR');
        assert.ok((details.errorMessage ?? '').length > 0);
      }
    });

    test('a value of another type is the SDK’s TYPE_MISMATCH', async () => {
      const details = await client.getStringDetails('bool-flag', 'fallback', user);
      assert.deepEqual([details.value, details.errorCode], ['fallback', 'TYPE_MISMATCH']);
    });
  });

  describe('raw requests', () => {
    const post = (path: string, body: string, headers: Record<string, string>) =>
      getJson(`${edge.url}/ofrep/v1/evaluate/flags${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const contextBody = JSON.stringify({ context: user });

    test('the SDK key as Authorization, Bearer, or X-API-Key; anything else is 401', async () => {
      for (const headers of [
        { authorization: env.sdkKey },
        { authorization: `Bearer ${env.sdkKey}` },
        { 'x-api-key': env.sdkKey },
      ]) {
        const { status, body } = await post('/bool-flag', contextBody, headers);
        assert.equal(status, 200, JSON.stringify(headers));
        assert.equal((body as { value: unknown }).value, true);
      }
      for (const headers of [
        {},
        { authorization: 'Bearer sdk-unknown' },
        { 'x-api-key': 'sdk-unknown' },
        { authorization: env.mobileKey },
      ])
        assert.equal((await post('/bool-flag', contextBody, headers)).status, 401);
    });

    test('the single-flag body and its failures', async () => {
      const auth = { authorization: env.sdkKey };
      const ok = await post('/string-flag', contextBody, auth);
      assert.deepEqual(ok.body, {
        key: 'string-flag',
        reason: 'TARGETING_MATCH',
        value: 'red',
        variant: '0',
        metadata: { flagVersion: 1, reasonKind: 'FALLTHROUGH', ldReason: '{"kind":"FALLTHROUGH"}' },
      });
      const missing = await post('/nope', contextBody, auth);
      assert.equal(missing.status, 404);
      assert.deepEqual(Object.keys(missing.body as object).sort(), [
        'errorCode',
        'errorDetails',
        'key',
      ]);
      assert.equal((missing.body as { errorCode: string }).errorCode, 'FLAG_NOT_FOUND');
      const unparsed = await post('/bool-flag', '{"context":', auth);
      assert.equal(unparsed.status, 400);
      assert.equal((unparsed.body as { errorCode: string }).errorCode, 'PARSE_ERROR');
      const notObject = await post('/bool-flag', '[1]', auth);
      assert.equal((notObject.body as { errorCode: string }).errorCode, 'PARSE_ERROR');
      const noBody = await post('/bool-flag', '', auth);
      assert.equal((noBody.body as { errorCode: string }).errorCode, 'TARGETING_KEY_MISSING');
      const noOff = await post('/no-off-variation', contextBody, auth);
      assert.equal(noOff.status, 200);
      assert.equal('value' in (noOff.body as object), false);
      assert.equal((noOff.body as { reason: string }).reason, 'DISABLED');
    });

    test('bulk: every flag, with an ETag; If-None-Match gets 304 until a result changes', async () => {
      const auth = { authorization: env.sdkKey };
      const first = await post('', contextBody, auth);
      assert.equal(first.status, 200);
      const flags = (first.body as { flags: { key: string; errorCode?: string }[] }).flags;
      assert.deepEqual(flags.map((f) => f.key).sort(), [
        'bool-flag',
        'malformed',
        'no-off-variation',
        'number-flag',
        'object-flag',
        'off-flag',
        'prereq-flag',
        'string-flag',
        'unparseable',
      ]);
      assert.equal(flags.find((f) => f.key === 'malformed')?.errorCode, 'GENERAL');
      assert.equal(flags.find((f) => f.key === 'unparseable')?.errorCode, 'PARSE_ERROR');
      const etag = first.headers.get('etag')!;
      assert.match(etag, /^".+"$/);

      const again = await post('', contextBody, { ...auth, 'if-none-match': etag });
      assert.equal(again.status, 304);
      const weak = await post('', contextBody, { ...auth, 'if-none-match': `"x", W/${etag}` });
      assert.equal(weak.status, 304);
      const otherContext = JSON.stringify({ context: { targetingKey: 'u-target' } });
      assert.equal((await post('', otherContext, { ...auth, 'if-none-match': etag })).status, 200);

      await edge.origin.put(
        env,
        'flag',
        ldFlag('object-flag', { variations: [{ theme: 'blue' }] }),
      );
      await synced(edge, env);
      const changed = await post('', contextBody, { ...auth, 'if-none-match': etag });
      assert.equal(changed.status, 200);
      assert.notEqual(changed.headers.get('etag'), etag);
    });

    test('bulk failures: 400 with an error code, 401 without a key', async () => {
      const auth = { authorization: env.sdkKey };
      const noKey = await post('', JSON.stringify({ context: {} }), auth);
      assert.equal(noKey.status, 400);
      assert.equal((noKey.body as { errorCode: string }).errorCode, 'TARGETING_KEY_MISSING');
      const invalid = await post('', JSON.stringify({ context: { targetingKey: 3 } }), auth);
      assert.equal((invalid.body as { errorCode: string }).errorCode, 'INVALID_CONTEXT');
      const garbage = await post('', 'nope', auth);
      assert.equal((garbage.body as { errorCode: string }).errorCode, 'PARSE_ERROR');
      assert.equal((await post('', contextBody, {})).status, 401);
    });
  });
});
