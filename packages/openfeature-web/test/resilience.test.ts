import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ErrorCode,
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type Client,
  type EvaluationContext,
} from '@openfeature/web-sdk';
import { VexilWebProvider, type VexilWebProviderOptions } from '@vexil/openfeature-web';
import {
  createEnvironment,
  startVexil,
  until,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { EventLog } from './support/events.js';
import { FLAGS } from './support/flags.js';
import { MapStorage } from './support/map-storage.js';
import { serve } from './support/vexil-server.js';

// The edge going away under a page: a stream gone silent (the server paused with SIGSTOP, so
// not even a heartbeat comes), and the server stopped and restarted. Live pages go STALE and
// keep their values; a page loaded meanwhile starts from what storage kept, as CACHED; one with
// nothing stored fails to initialize but keeps trying; after the restart all are READY with
// the value changed since.

const silent = { error() {}, warn() {}, info() {}, debug() {} };

describe('VexilWebProvider when the edge goes away', () => {
  let server: VexilServer;
  let env: TestEnvironment;

  before(async () => {
    OpenFeature.setLogger(silent);
    server = await startVexil();
    env = await createEnvironment(server, { project: 'resilience', data: { flags: FLAGS } });
  });

  after(async () => {
    await OpenFeature.close();
    await server?.stop();
  });

  const provider = (overrides: Partial<VexilWebProviderOptions> = {}) =>
    new VexilWebProvider({
      clientSideId: env.clientSideId,
      baseUrl: server.url,
      storage: new MapStorage(),
      retryMinMs: 100,
      retryMaxMs: 400,
      ...overrides,
    });

  async function page(
    domain: string,
    context: EvaluationContext,
    overrides: Partial<VexilWebProviderOptions> = {},
  ): Promise<{ client: Client; log: EventLog; started: Promise<void> }> {
    const client = OpenFeature.getClient(domain);
    const log = new EventLog(client);
    const started = OpenFeature.setProviderAndWait(domain, provider(overrides), context);
    return { client, log, started };
  }

  test('a stream silent for staleAfterMs is STALE at once, values still served, then reopened', async () => {
    const { client, log, started } = await page(
      'silent',
      { targetingKey: 'r-1' },
      { staleAfterMs: 1_000 },
    );
    await started;
    const from = log.seen.length;
    server.role.signal('SIGSTOP');
    try {
      const stale = await log.next(ProviderEvents.Stale, from);
      assert.match(stale.details?.message ?? '', /nothing from the edge for 1000 ms/);
      assert.equal(client.providerStatus, ProviderStatus.STALE);
      const held = client.getStringDetails('headline', 'fallback');
      assert.deepEqual([held.value, held.reason], ['v1', 'TARGETING_MATCH']);
    } finally {
      server.role.signal('SIGCONT');
    }
    await log.next(ProviderEvents.Ready, from);
    assert.equal(client.providerStatus, ProviderStatus.READY);
    // Replacing the provider closes it (its short staleAfterMs would keep reopening).
    await OpenFeature.setProviderAndWait('silent', new InMemoryProvider());
  });

  test('the server stops and restarts: STALE, CACHED from storage, then READY with the newer value', async () => {
    const storage = new MapStorage();
    const live = await page('live', { targetingKey: 'r-2' }, { storage });
    await live.started;
    assert.equal(live.client.getStringValue('headline', 'fallback'), 'v1');

    const from = live.log.seen.length;
    await server.role.stop();
    await live.log.next(ProviderEvents.Stale, from);
    assert.equal(live.client.providerStatus, ProviderStatus.STALE);
    const held = live.client.getStringDetails('headline', 'fallback');
    assert.deepEqual([held.value, held.reason], ['v1', 'TARGETING_MATCH']);

    // The same page loaded again meanwhile (same storage, same context): it starts from the
    // stored values, as CACHED, and is STALE until the edge answers.
    const reloaded = await page('reloaded', { targetingKey: 'r-2' }, { storage });
    await reloaded.started;
    await reloaded.log.next(ProviderEvents.Stale, 0);
    assert.equal(reloaded.client.providerStatus, ProviderStatus.STALE);
    const cached = reloaded.client.getStringDetails('headline', 'fallback');
    assert.deepEqual(
      [cached.value, cached.variant, cached.reason, cached.flagMetadata['reasonKind']],
      ['v1', '0', 'CACHED', 'FALLTHROUGH'],
    );

    // Another context, nothing stored for it: initialize fails after initTimeoutMs, and the
    // provider keeps trying.
    const fresh = await page('fresh', { targetingKey: 'r-3' }, { storage, initTimeoutMs: 300 });
    await assert.rejects(fresh.started, /did not send them within 300 ms \(.*unreachable/);
    assert.equal(fresh.client.providerStatus, ProviderStatus.ERROR);
    assert.equal(
      fresh.client.getStringDetails('headline', 'fallback').errorCode,
      ErrorCode.PROVIDER_NOT_READY,
    );

    const pages = [live, reloaded, fresh].map((p) => ({ ...p, mark: p.log.seen.length }));
    await server.role.restart();
    await server.role.waitReady();
    await serve(server, env, 'headline', 1);
    for (const { client, log, mark } of pages) {
      await log.next(ProviderEvents.Ready, mark);
      await until('the newer value', () => client.getStringValue('headline', 'fallback') === 'v2');
      assert.equal(client.providerStatus, ProviderStatus.READY);
    }
    // Whether the value came in the reconnect's put or in a patch after it, it was a change.
    await live.log.changed('headline', from);
    await reloaded.log.changed('headline', pages[1]!.mark);
    assert.equal(reloaded.client.getStringDetails('headline', 'x').reason, 'TARGETING_MATCH');
    assert.deepEqual(
      live.log
        .since(from)
        .map((e) => e.type)
        .filter((t) => t !== ProviderEvents.ConfigurationChanged),
      [ProviderEvents.Stale, ProviderEvents.Ready],
    );
  });
});
