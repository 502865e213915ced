import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { silentLogger, type Change } from '@vexil/protocol';
import { sample, until } from '@vexil/testkit';
import { Registry } from 'prom-client';
import { startCdnPurger, type CdnPurger } from '../src/index.js';

// The purger's side of docs/cdn.md section 4: what it sends, coalescing, retries, metrics. The
// caches here are loopback servers that record each PURGE and answer what the test says; the
// VCL that receives real purges is tested against varnishd (deploy/test/varnish.test.ts,
// system-tests/test/cdn.test.ts).

/** A cache's purge endpoint: records requests, answers `status` (200 unless told otherwise). */
class PurgeRecorder {
  readonly purges: IncomingHttpHeaders[] = [];
  status = 200;
  private readonly server: Server = createServer((req, res) => {
    assert.equal(req.method, 'PURGE');
    this.purges.push(req.headers);
    res.writeHead(this.status, { 'content-type': 'application/json' });
    res.end('{"purged":0}');
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** The env purges answered 200... or not: every one received, as `env:seq`. */
  envPurges(env: string): string[] {
    return this.purges
      .filter((h) => h['x-vexil-env'] === env)
      .map((h) => `${h['x-vexil-env']}:${h['x-vexil-seq']}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const change = (environmentId: string, seq: number): Change => ({
  environmentId,
  seq,
  kind: 'flag',
  key: 'f',
  version: seq,
  item: { key: 'f', version: seq },
  committedAt: Date.now(),
});

describe('CDN purger', () => {
  let bus: ChangeBus;
  let caches: PurgeRecorder[];
  let purger: CdnPurger;
  const metrics = new Registry();

  before(async () => {
    bus = createInProcessBus();
    caches = [new PurgeRecorder(), new PurgeRecorder()];
    const targets = await Promise.all(caches.map((c) => c.listen()));
    purger = startCdnPurger({ bus, targets, logger: silentLogger, metrics, retryDelayMs: 20 });
    await purger.ready;
    await purger.idle();
  });

  after(async () => {
    await purger.close();
    await bus.close();
    await Promise.all(caches.map((c) => c.close()));
  });

  test('asks every cache to drop everything when it starts: what changed before is unknown', () => {
    for (const cache of caches)
      assert.deepEqual(
        cache.purges.map((h) => h['x-vexil-purge-all']),
        ['1'],
      );
  });

  test('purges an environment with the seq of its change, at every cache', async () => {
    await bus.publish(change('env-a', 1));
    await purger.idle();
    for (const cache of caches) assert.deepEqual(cache.envPurges('env-a'), ['env-a:1']);
    assert.equal(await sample(metrics, 'vexil_cdn_purge_lag_seconds_count'), 2);
  });

  test('purges what a directory record authorized, with its revision; not the synced mark', async () => {
    const hash = 'a'.repeat(64);
    await bus.putDirectoryEntry(`c.${hash}`, { type: 'credential', kind: 'sdk' });
    await bus.putDirectoryEntry('synced', { type: 'synced', at: 1 });
    await bus.deleteDirectoryEntry(`c.${hash}`);
    await purger.idle();
    const revisions = (await bus.getDirectoryEntry(`c.${hash}`)).revision;
    for (const cache of caches) {
      const dir = cache.purges.filter((h) => h['x-vexil-credential'] !== undefined);
      // The put and the delete may coalesce into one purge: the last one names the delete.
      assert.equal(dir.at(-1)?.['x-vexil-credential'], `c.${hash}`);
      assert.equal(dir.at(-1)?.['x-vexil-revision'], String(revisions));
      assert.ok(!cache.purges.some((h) => h['x-vexil-credential'] === 'synced'));
    }
  });

  test('retries a cache that refuses, and sends what waited as one purge with the highest seq', async () => {
    const [down, up] = caches as [PurgeRecorder, PurgeRecorder];
    down.status = 503;
    await bus.publish(change('env-b', 1));
    await until('the refused purge', () => down.envPurges('env-b').length >= 1);
    for (let seq = 2; seq <= 6; seq++) await bus.publish(change('env-b', seq));
    await until('the other cache has every purge', () => up.envPurges('env-b').includes('env-b:6'));
    const refused = down.envPurges('env-b').length;
    down.status = 200;
    await purger.idle();
    const afterRecovery = down.envPurges('env-b').slice(refused);
    assert.equal(afterRecovery.at(-1), 'env-b:6');
    // While refused, the waiting purges coalesced: far fewer requests than changes.
    assert.ok(afterRecovery.length <= 2, `sent ${afterRecovery.join(', ')} after recovery`);
    assert.ok((await sample(metrics, 'vexil_cdn_purges_total', { result: 'failed' })) >= 1);
    assert.equal(
      (await metrics.getSingleMetric('vexil_cdn_purges_pending')?.get())?.values.every(
        (v) => v.value === 0,
      ),
      true,
    );
  });

  test('sends nothing more once closed', async () => {
    const other = createInProcessBus();
    const cache = new PurgeRecorder();
    const target = await cache.listen();
    const closing = startCdnPurger({ bus: other, targets: [target], logger: silentLogger });
    await closing.idle();
    await closing.close();
    await other.publish(change('env-c', 1));
    assert.deepEqual(cache.envPurges('env-c'), []);
    await other.close();
    await cache.close();
  });
});
