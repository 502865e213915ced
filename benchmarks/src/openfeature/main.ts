import { parseArgs } from 'node:util';
import { createRandom, generateDataSet, samplePairs } from '@vexil/testkit';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';
import { startVexil } from '../support/vexil-process.js';
import { browserLatencies } from './browser-side.js';
import { launchDarklyClient, ofrepClient, vexilProviderClient } from './server-side.js';
import { createEnvironment, toggleLatencies } from './setup.js';

// OpenFeature providers against the alternatives (docs/openfeature.md), on one `vexil start`:
//   1. evaluations per second on a Node server: LaunchDarkly's Node SDK, OpenFeature with the
//      Vexil server provider, OpenFeature with the OFREP provider; the same generated flags,
//      segments and (flag, context) pairs for each;
//   2. change-to-handler latency: from the API write that toggles a flag to the moment the
//      client's change handler has the new value (OFREP: the first evaluation that returns it);
//   3. the same in Chromium, on a page of another origin: the Vexil web provider, the OFREP web
//      provider (told by OFREP's event stream, then polling every --ofrep-poll-ms) and
//      LaunchDarkly's browser SDK.
// Each client is measured alone, one after the other, so that none loads another's run.

const { values } = parseArgs({
  options: {
    flags: { type: 'string', default: '50' },
    segments: { type: 'string', default: '5' },
    contexts: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    changes: { type: 'string', default: '100' },
    'ofrep-concurrency': { type: 'string', default: '16' },
    'ofrep-poll-ms': { type: 'string', default: '1000' },
    browser: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const seconds = Number(values.seconds);
const changes = Number(values.changes);
const ofrepConcurrency = Number(values['ofrep-concurrency']);

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Evaluations per second over `seconds`, with `concurrency` loops in flight. */
async function throughput(
  evaluate: (flagKey: string, context: unknown) => Promise<unknown>,
  pairs: readonly { flagKey: string; context: unknown }[],
  concurrency: number,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async (offset: number) => {
    // Bounded by time, and by count as a backstop.
    for (let i = offset; performance.now() < deadline && i < 100_000_000; i += concurrency) {
      const pair = pairs[i % pairs.length]!;
      await evaluate(pair.flagKey, pair.context);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  return done / ((performance.now() - started) / 1000);
}

/** Every figure, for the JSON line that ends the output. */
const results: Record<string, number>[] = [];

function reportLatency(name: string, samples: readonly number[]): void {
  const s = summary(samples);
  log(
    `${name}: change to handler p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${s.n} changes)`,
  );
  results.push({ [`${name}: change to handler p50 ms`]: s.p50, [`${name}: p99 ms`]: s.p99 });
}

const vexil = await startVexil();
try {
  const data = generateDataSet(20261206, {
    flags: Number(values.flags),
    segments: Number(values.segments),
    contexts: Number(values.contexts),
    orgs: 20,
  });
  const env = await createEnvironment(vexil, data);
  const pairs = samplePairs(data, 20_000, createRandom(7));
  log(`machine: ${machine()}`);
  log(
    `data: ${data.flags.length} flags, ${data.segments.length} segments, ${data.contexts.length} ` +
      `contexts; ${seconds} s per throughput run; ${changes} changes per latency run`,
  );
  const clients = [
    { start: () => launchDarklyClient(vexil.url, env), concurrency: 1 },
    { start: () => vexilProviderClient(vexil.url, env, data), concurrency: 1 },
    { start: () => ofrepClient(vexil.url, env, data), concurrency: ofrepConcurrency },
  ];
  for (const { start, concurrency } of clients) {
    const client = await start();
    try {
      const own = pairs.map((p) => ({ flagKey: p.flagKey, context: client.context(p.context) }));
      const rate = await throughput((k, c) => client.evaluate(k, c), own, concurrency);
      log(`${client.name}: ${rate.toFixed(0)} evaluations/s (${concurrency} in flight)`);
      results.push({ [`${client.name}: evaluations/s`]: rate });
      if (client.direct !== undefined) {
        const direct = await throughput(client.direct, own, concurrency);
        log(`${client.name}, resolve methods alone: ${direct.toFixed(0)} evaluations/s`);
        results.push({ [`${client.name}, resolve methods alone: evaluations/s`]: direct });
      }
      reportLatency(client.name, await toggleLatencies(env, changes, client.toggle));
    } finally {
      await client.close();
    }
  }
  if (values.browser) {
    for (const [name, samples] of await browserLatencies(vexil.url, env, {
      changes,
      ofrepPollMs: Number(values['ofrep-poll-ms']),
    }))
      reportLatency(`Chromium, ${name}`, samples);
  }
  process.stdout.write(`${JSON.stringify(Object.assign({}, ...results))}\n`);
} finally {
  await vexil.stop();
}
