import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serviceSkip, services, until } from '@vexil/testkit';
import { startRole, type RoleProcess } from './support/role-process.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { openStream, type SseStream } from './support/sse-stream.js';

// The multi-process edge: workers share the port, each capped at its share of --max-streams;
// every worker receives every change in order; at the cap new streams get 503 + Retry-After
// while existing streams, health checks and the change path keep working; a dead worker is
// replaced.

const WORKERS = 3;
const CAP = 30;

describe('vexil edge --workers', () => {
  let skip: string | undefined;
  let origin: TestOrigin | undefined;
  let edge: RoleProcess | undefined;
  let sdkKey = '';
  let project = '';
  const streams: SseStream[] = [];
  before(async () => {
    skip = await serviceSkip('nats');
    if (skip !== undefined) return;
    origin = await startTestOrigin();
    project = `w${Date.now().toString(36)}`;
    assert.equal(
      (await origin!.api('POST', '/projects', { key: project, name: 'Workers' })).status,
      201,
    );
    sdkKey = (
      await origin!.api('POST', `/projects/${project}/environments`, { key: 'prod', name: 'Prod' })
    ).body.sdkKey!;
    assert.equal(
      (
        await origin!.api('POST', `/projects/${project}/flags`, {
          key: 'f',
          variations: [{ value: 0 }, { value: 1 }],
        })
      ).status,
      201,
    );
    const token = (await origin!.api('POST', '/tokens', { name: 'edge', role: 'edge' })).body
      .token!;
    edge = await startRole([
      'edge',
      '--bus',
      services.nats,
      '--origin',
      origin.url,
      '--token',
      token,
      '--port',
      '0',
      '--workers',
      String(WORKERS),
      '--max-streams',
      String(CAP),
    ]);
  });

  after(async () => {
    for (const s of streams) s.close();
    await edge?.stop();
    await origin?.stop();
  });

  test('holds its cap of streams over the workers, then answers 503 + Retry-After', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    // Each worker's share of --max-streams, with 25% slack for an uneven spread.
    const perWorker = Math.ceil((CAP / WORKERS) * 1.25);
    assert.match(
      edge!.stdout(),
      new RegExp(`Workers\\s+${WORKERS} \\(pids [\\d, ]+\\), ${perWorker} streams each`),
    );
    const capacity = perWorker * WORKERS;
    // Workers accept from the shared socket, and one may win that race far less often than the
    // others: the last streams can take many tries to land on the worker that still has room.
    for (let attempt = 0; streams.length < capacity && attempt < capacity * 30; attempt++) {
      const s = await openStream(edge!.url, sdkKey);
      if (s.status === 200) streams.push(s);
      else assert.equal(s.status, 503);
    }
    assert.equal(streams.length, capacity);
    await until('every initial put', () => streams.every((s) => s.ids.length >= 1), 10_000);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${edge!.url}/all`, { headers: { authorization: sdkKey } });
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      await res.body?.cancel();
    }
    const ready = await fetch(`${edge!.url}/readyz`);
    assert.equal(ready.status, 200, 'health checks still answer at the cap');
  });

  test('every worker delivers every change, in order', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const start = Math.max(...streams.map((s) => s.ids[0]!));
    for (let i = 0; i < 10; i++) {
      const res = await origin!.api('PATCH', `/projects/${project}/flags/f`, [
        { op: 'replace', path: '/environments/prod/on', value: i % 2 === 0 },
      ]);
      assert.equal(res.status, 200);
    }
    await until('every change on every stream', () =>
      streams.every((s) => s.ids[s.ids.length - 1]! >= start + 10),
    );
    for (const s of streams) {
      const ids = s.ids.slice(1);
      assert.deepEqual(
        ids,
        Array.from({ length: ids.length }, (_, i) => s.ids[0]! + i + 1),
        'consecutive seqs',
      );
    }
  });

  test('closing streams makes room again; a killed worker is replaced', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const s of streams.splice(0, 3)) s.close();
    let reopened = 0;
    for (let attempt = 0; reopened < 3 && attempt < 1_000; attempt++) {
      const s = await openStream(edge!.url, sdkKey);
      if (s.status === 200) {
        streams.push(s);
        reopened++;
      } else {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.equal(reopened, 3);
    const pid = Number(/pids (\d+)/.exec(edge!.stdout())![1]);
    process.kill(pid, 'SIGKILL');
    // Its streams end; the primary starts a replacement and the node keeps serving.
    await until('the worker to die', () => false === isAlive(pid), 5_000);
    let served = false;
    for (let attempt = 0; !served && attempt < 100; attempt++) {
      const res = await fetch(`${edge!.url}/readyz`).catch(() => undefined);
      served = res?.status === 200;
      if (!served) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(served);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
