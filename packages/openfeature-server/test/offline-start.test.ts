import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ErrorCode,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type Client,
} from '@openfeature/server-sdk';
import {
  createEnvironment,
  patchFlag,
  startVexil,
  until,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { VexilProvider, type VexilProviderOptions } from '../src/index.js';
import { EventLog } from './support/event-log.js';
import { byKey, ldFlag } from './support/ld-items.js';
import { RecordingLogger } from './support/recording-logger.js';

// Starting without the edge, and losing it: the snapshot file a provider keeps (and resumes the
// stream from), a bootstrap file made with `curl $EDGE/sdk/latest-all`, neither, a live
// connection that drops, and a refused SDK key. The edge is a real `vexil start`, killed and
// restarted on the same port with the same data.

const flags = [
  ldFlag('greeting', { variations: ['hello', 'hi', 'hey'], offVariation: 0 }),
  ldFlag('kill-switch', { on: false }),
];
const user = { targetingKey: 'u-1' };

interface Started {
  readonly provider: VexilProvider;
  readonly client: Client;
  readonly log: EventLog;
  readonly logger: RecordingLogger;
}

describe('offline start, snapshot file, bootstrap, reconnects', () => {
  let server: VexilServer;
  let env: TestEnvironment;
  let dir: string;
  let snapshotFile: string;
  let bootstrapFile: string;
  let domains = 0;

  /** A provider bound to a domain of its own, with fast retries; resolves when initialized. */
  async function start(options: Partial<VexilProviderOptions> = {}): Promise<Started> {
    const domain = `offline-${++domains}`;
    const logger = new RecordingLogger();
    const provider = new VexilProvider({
      sdkKey: env.sdkKey,
      baseUrl: server.url,
      sendEvents: false,
      initTimeoutMs: 500,
      retryMinMs: 20,
      retryMaxMs: 200,
      logger,
      ...options,
    });
    const client = OpenFeature.getClient(domain);
    const log = new EventLog(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    return { provider, client, log, logger };
  }

  const greeting = (client: Client) => client.getStringValue('greeting', 'none', user);

  async function savedSnapshot(): Promise<{
    seq: number;
    flags: Record<string, { version: number }>;
  }> {
    return JSON.parse(await readFile(snapshotFile, 'utf8')) as {
      seq: number;
      flags: Record<string, { version: number }>;
    };
  }

  before(async () => {
    server = await startVexil();
    env = await createEnvironment(server, { data: { flags: byKey(flags) } });
    dir = await mkdtemp(join(tmpdir(), 'vexil-openfeature-files-'));
    snapshotFile = join(dir, 'flags-snapshot.json');
    bootstrapFile = join(dir, 'flags-bootstrap.json');
    // What `curl -H "Authorization: $SDK_KEY" $EDGE/sdk/latest-all > flags.json` saves, plus
    // a flag that does not parse, which must break nothing but itself.
    const res = await fetch(`${server.url}/sdk/latest-all`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(res.status, 200);
    const latest = (await res.json()) as { flags: Record<string, unknown> };
    latest.flags['broken'] = { key: 'broken', version: 3, on: true, variations: 'not a list' };
    await writeFile(bootstrapFile, JSON.stringify(latest));
  });
  after(async () => {
    await OpenFeature.close();
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('a provider keeps its snapshot file current: every item and the seq', async () => {
    const { provider, client } = await start({ snapshotFile });
    await until(
      'the snapshot file',
      async () => (await savedSnapshot().catch(() => undefined)) !== undefined,
    );
    const first = await savedSnapshot();
    assert.deepEqual(Object.keys(first.flags).sort(), ['greeting', 'kill-switch']);
    await patchFlag(server, env, 'greeting', [
      { op: 'replace', path: '/environments/{env}/fallthrough', value: { variation: 1 } },
    ]);
    await until('the provider serves hi', async () => (await greeting(client)) === 'hi');
    await until('the snapshot file holds the change', async () => {
      const saved = await savedSnapshot();
      return (
        saved.seq > first.seq && saved.flags['greeting']!.version > first.flags['greeting']!.version
      );
    });
    await provider.onClose();
  });

  test('a restart from the snapshot file asks the edge only for the changes it missed', async () => {
    const saved = await savedSnapshot();
    // Missed while no provider ran.
    await patchFlag(server, env, 'greeting', [
      { op: 'replace', path: '/environments/{env}/fallthrough', value: { variation: 2 } },
    ]);
    const { provider, client, logger } = await start({ snapshotFile });
    assert.equal(client.providerStatus, ProviderStatus.READY);
    await until('the missed change', async () => (await greeting(client)) === 'hey');
    const resumed = logger.matching(/resumed the stream/);
    assert.deepEqual(
      resumed.map((l) => l.fields),
      [{ since: saved.seq }],
    );
    assert.deepEqual(logger.matching(/received all of the environment's flags/), []);
    await provider.onClose();
  });

  test('without the edge: STALE from the snapshot file or the bootstrap, ERROR with neither; READY once it is back', async () => {
    server.role.signal('SIGKILL');
    await server.role.exited;

    const fromSnapshot = await start({ snapshotFile });
    const fromBootstrap = await start({ bootstrap: bootstrapFile });
    await assert.rejects(start(), /gave no flags within 500 ms .*no snapshotFile or bootstrap/);
    const without = OpenFeature.getClient(`offline-${domains}`);
    const withoutLog = new EventLog(without);

    for (const { client } of [fromSnapshot, fromBootstrap])
      await until('STALE', () => client.providerStatus === ProviderStatus.STALE);
    assert.equal(without.providerStatus, ProviderStatus.ERROR);
    assert.deepEqual(fromSnapshot.log.types(), [ProviderEvents.Ready, ProviderEvents.Stale]);

    // Saved values, served while stale; the bootstrap's broken flag fails alone.
    assert.equal(await greeting(fromSnapshot.client), 'hey');
    assert.equal(await greeting(fromBootstrap.client), 'hello');
    const broken = await fromBootstrap.client.getBooleanDetails('broken', true, user);
    assert.equal(broken.errorCode, ErrorCode.PARSE_ERROR);
    assert.match(
      broken.errorMessage ?? '',
      /"broken" could not be parsed \(variations: expected an array/,
    );
    assert.equal(await fromBootstrap.client.getBooleanValue('kill-switch', true, user), false);
    const notReady = await without.getBooleanDetails('kill-switch', true, user);
    assert.equal(notReady.errorCode, ErrorCode.PROVIDER_NOT_READY);

    await server.role.restart();
    for (const client of [fromSnapshot.client, fromBootstrap.client, without])
      await until('READY', () => client.providerStatus === ProviderStatus.READY);
    assert.equal(await greeting(fromBootstrap.client), 'hey');
    assert.equal(await greeting(without), 'hey');
    assert.ok(fromBootstrap.log.changed('greeting') && fromBootstrap.log.changed('broken'));
    const gone = await fromBootstrap.client.getBooleanDetails('broken', true, user);
    assert.equal(gone.errorCode, ErrorCode.FLAG_NOT_FOUND);
    assert.deepEqual(withoutLog.types().slice(-1), [ProviderEvents.Ready]);

    // A change made now reaches all three.
    await patchFlag(server, env, 'greeting', [
      { op: 'replace', path: '/environments/{env}/fallthrough', value: { variation: 0 } },
    ]);
    for (const client of [fromSnapshot.client, fromBootstrap.client, without])
      await until('hello', async () => (await greeting(client)) === 'hello');
  });

  test('a live connection that drops: STALE at once with the values kept, READY after it reconnects', async () => {
    const { client, log } = await start();
    assert.equal(client.providerStatus, ProviderStatus.READY);
    server.role.signal('SIGKILL');
    await until('STALE', () => client.providerStatus === ProviderStatus.STALE);
    assert.equal(await greeting(client), 'hello');
    await server.role.restart();
    await until('READY', () => client.providerStatus === ProviderStatus.READY);
    assert.deepEqual(log.types(), [
      ProviderEvents.Ready,
      ProviderEvents.Stale,
      ProviderEvents.Ready,
    ]);
  });

  test('a wrong SDK key is fatal: initialize fails at once, and nothing retries', async () => {
    const wrongKey = `sdk-${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`;
    const logger = new RecordingLogger();
    await assert.rejects(
      start({ sdkKey: wrongKey, retryMinMs: 0, retryMaxMs: 0, logger }),
      (e: unknown) =>
        (e as { code?: string }).code === ErrorCode.PROVIDER_FATAL &&
        /refused the SDK key with 401 .*wrong, or was revoked/.test((e as Error).message),
    );
    const client = OpenFeature.getClient(`offline-${domains}`);
    assert.equal(client.providerStatus, ProviderStatus.FATAL);
    const details = await client.getBooleanDetails('kill-switch', true, user);
    assert.equal(details.errorCode, ErrorCode.PROVIDER_FATAL);
    // With no delay between attempts, a retry loop would have asked again by now many times.
    for (let i = 0; i < 5; i++) assert.ok(await server.role.ready());
    assert.equal(logger.lines.filter((l) => l.level !== 'debug' && l.level !== 'info').length, 1);
  });
});
