import { parseArgs } from 'node:util';
import { init } from '@launchdarkly/node-server-sdk';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';
import { startVexil } from '../support/vexil-process.js';

// Propagation in `vexil start`: from the moment an API write is sent to the moment a connected
// LaunchDarkly Node SDK (streaming, FDv1) emits the update. Changes are made one at a time, each
// toggling the production fallthrough of the demo flag, so every sample is one full round:
// HTTP request -> validation -> SQLite commit -> outbox -> bus -> edge -> SSE patch -> SDK store.

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '20' },
  },
});
const changes = Number(values.changes);
const warmup = Number(values.warmup);

const vexil = await startVexil();
try {
  const headers = {
    authorization: `Bearer ${vexil.adminToken}`,
    'content-type': 'application/json',
  };
  const env = (await (
    await fetch(`${vexil.url}/api/v1/projects/default/environments/production`, { headers })
  ).json()) as {
    sdkKey: string;
  };
  const ld = init(env.sdkKey, {
    baseUri: vexil.url,
    streamUri: vexil.url,
    eventsUri: vexil.url,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await ld.waitForInitialization({ timeout: 10 });
  const samples: number[] = [];
  for (let i = 0; i < warmup + changes; i++) {
    const seen = new Promise<number>((resolve) =>
      ld.once('update:new-checkout', () => resolve(performance.now())),
    );
    const sent = performance.now();
    const res = await fetch(`${vexil.url}/api/v1/projects/default/flags/new-checkout`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify([
        {
          op: 'replace',
          path: '/environments/production/fallthrough',
          value: { variation: i % 2 },
        },
      ]),
    });
    if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
    const received = await Promise.race([
      seen,
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('no update within 5 s')), 5_000),
      ),
    ]);
    if (i >= warmup) samples.push(received - sent);
  }
  ld.close();
  const s = summary(samples);
  console.log('Propagation in vexil start: API write sent -> LaunchDarkly Node SDK update event');
  console.log(`  ${new Date().toISOString()}  ${machine()}`);
  console.log(`  ${s.n} changes (after ${warmup} warm-up), one at a time, loopback`);
  console.log(`  p50 ${ms(s.p50)}   p90 ${ms(s.p90)}   p99 ${ms(s.p99)}   max ${ms(s.max)}`);
  console.log(
    JSON.stringify({ benchmark: 'propagation-start', date: new Date().toISOString(), ...s }),
  );
} finally {
  await vexil.stop();
}
