import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serviceSkip, services } from '@vexil/testkit';
import { startRole, type RoleProcess } from './support/role-process.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';

// The synthetic probe: an edge started with --probe writes its canary flag through the API
// every interval and times the change's arrival on its own stream, as a histogram.

describe('vexil edge --probe', () => {
  let skip: string | undefined;
  let origin: TestOrigin | undefined;
  let edge: RoleProcess | undefined;

  before(async () => {
    skip = await serviceSkip('nats');
    if (skip !== undefined) return;
    origin = await startTestOrigin();
    const project = `canary${Date.now().toString(36)}`;
    await origin!.api('POST', '/projects', { key: project, name: 'Canary' });
    await origin!.api('POST', `/projects/${project}/environments`, { key: 'probe', name: 'Probe' });
    const edgeToken = (await origin!.api('POST', '/tokens', { name: 'edge', role: 'edge' })).body
      .token;
    const probeToken = (await origin!.api('POST', '/tokens', { name: 'probe', role: 'writer' }))
      .body.token;
    edge = await startRole([
      'edge',
      '--bus',
      services.nats,
      '--origin',
      origin.url,
      '--token',
      edgeToken,
      '--port',
      '0',
      '--workers',
      '1',
      '--probe',
      `${project}/probe/canary`,
      '--probe-token',
      probeToken,
      '--probe-interval',
      '0.2',
    ]);
  });

  after(async () => {
    await edge?.stop();
    await origin?.stop();
  });

  test('exports write -> received samples as vexil_probe_propagation_seconds', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const count = async () => {
      const text = await (await fetch(`${edge!.url}/metrics`)).text();
      return Number(/^vexil_probe_propagation_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const deadline = Date.now() + 15_000;
    while ((await count()) < 3) {
      assert.ok(Date.now() < deadline, 'the probe produced no samples within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = await (await fetch(`${edge!.url}/metrics`)).text();
    assert.match(text, /^vexil_probe_propagation_seconds_bucket\{le="1"\} \d+/m);
    assert.doesNotMatch(text, /^vexil_probe_failures_total\{reason="setup"\} [1-9]/m);
  });
});
