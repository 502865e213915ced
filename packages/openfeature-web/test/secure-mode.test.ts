import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ErrorCode,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type EvaluationContext,
} from '@openfeature/web-sdk';
import { VexilWebProvider, type VexilWebProviderOptions } from '@vexil/openfeature-web';
import {
  createEnvironment,
  startVexil,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { EventLog } from './support/events.js';
import { FLAGS } from './support/flags.js';
import { MapStorage } from './support/map-storage.js';
import { secureModeHash } from './support/vexil-server.js';

// Secure mode (docs/protocol.md section 4.4): an environment is created in secure mode, or
// switched to it later, through the REST API, and the page may stream only the contexts its
// backend signed. The hash is the hex HMAC-SHA256 of the canonical key keyed by the SDK key,
// computed here as a customer's backend would; a missing or wrong one is a 400 the provider
// reports as ERROR, without retrying.

const silent = { error() {}, warn() {}, info() {}, debug() {} };

describe('VexilWebProvider in an environment in secure mode', () => {
  let server: VexilServer;
  let env: TestEnvironment;

  before(async () => {
    OpenFeature.setLogger(silent);
    server = await startVexil();
    env = await createEnvironment(server, {
      project: 'secure',
      data: { flags: FLAGS },
      settings: { secureMode: true },
    });
  });

  after(async () => {
    await OpenFeature.close();
    await server?.stop();
  });

  const provider = (hash: VexilWebProviderOptions['hash']) =>
    new VexilWebProvider({
      clientSideId: env.clientSideId,
      baseUrl: server.url,
      storage: new MapStorage(),
      ...(hash === undefined ? {} : { hash }),
    });
  /** The backend's answer for a single user context: its canonical key is the key. */
  const signed = (context: EvaluationContext) => secureModeHash(env, String(context.targetingKey));

  test('a hash function signs each context: READY, and again after a context change', async () => {
    const asked: string[] = [];
    const hash = async (context: EvaluationContext) => {
      asked.push(String(context.targetingKey));
      return signed(context);
    };
    const client = OpenFeature.getClient('signed');
    await OpenFeature.setProviderAndWait('signed', provider(hash), {
      targetingKey: 's-1',
      plan: 'basic',
    });
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(client.getStringValue('plan-perks', 'fallback'), 'none');

    await OpenFeature.setContext('signed', { targetingKey: 's-2', plan: 'gold' });
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(client.getStringValue('plan-perks', 'fallback'), 'gold-perks');
    assert.deepEqual(asked, ['s-1', 's-2']);
  });

  test('a wrong hash: initialize fails saying the environment is in secure mode', async () => {
    const client = OpenFeature.getClient('wrong');
    const wrong = secureModeHash(env, 'someone-else');
    await assert.rejects(
      OpenFeature.setProviderAndWait('wrong', provider(wrong), { targetingKey: 's-3' }),
      /secure mode and the hash sent for this context is missing or wrong/,
    );
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    const details = client.getBooleanDetails('new-checkout', true);
    assert.deepEqual([details.value, details.errorCode], [true, ErrorCode.GENERAL]);
    assert.match(details.errorMessage ?? '', /secure mode/);
  });

  test('no hash at all is refused the same way', async () => {
    await assert.rejects(
      OpenFeature.setProviderAndWait('none', provider(undefined), { targetingKey: 's-4' }),
      /secure mode/,
    );
  });

  test('secure mode turned on under a page without a hash: STALE, then ERROR; values kept', async () => {
    const later = await createEnvironment(server, {
      project: 'secure-later',
      data: { flags: FLAGS },
    });
    const client = OpenFeature.getClient('later');
    const log = new EventLog(client);
    await OpenFeature.setProviderAndWait(
      'later',
      new VexilWebProvider({
        clientSideId: later.clientSideId,
        baseUrl: server.url,
        storage: new MapStorage(),
        retryMinMs: 50,
      }),
      { targetingKey: 's-7' },
    );
    const from = log.seen.length;
    await server.api.expect(
      200,
      'PATCH',
      `/api/v1/projects/${later.projectKey}/environments/${later.environmentKey}`,
      [{ op: 'replace', path: '/secureMode', value: true }],
    );
    // The edge closes the unverified stream; the reconnect is refused for want of a hash.
    const error = await log.next(ProviderEvents.Error, from);
    assert.match(error.details?.message ?? '', /secure mode/);
    assert.deepEqual(
      log.since(from).map((e) => e.type),
      [ProviderEvents.Stale, ProviderEvents.Error],
    );
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    const kept = client.getStringDetails('headline', 'fallback');
    assert.deepEqual([kept.value, kept.reason], ['v1', 'TARGETING_MATCH']);
  });

  test('a fixed hash signs one context: a change to another is an ERROR event', async () => {
    const client = OpenFeature.getClient('fixed');
    const log = new EventLog(client);
    const first = { targetingKey: 's-5' };
    await OpenFeature.setProviderAndWait('fixed', provider(signed(first)), first);
    assert.equal(client.providerStatus, ProviderStatus.READY);

    await OpenFeature.setContext('fixed', { targetingKey: 's-6' });
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    const error = await log.next(ProviderEvents.Error, 0);
    assert.match(
      error.details?.message ?? '',
      /a function of the context to follow context changes/,
    );
    assert.equal(client.getBooleanDetails('new-checkout', true).errorCode, ErrorCode.GENERAL);
  });
});
