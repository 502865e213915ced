import { parseArgs } from 'node:util';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { thisMachine, writeMeasurement } from '@vexil/capacity';
import { NatsServers, until } from '@vexil/testkit';
import { cpuSeconds } from '../fanout/processes.js';
import { machine } from '../support/machine.js';
import { summary } from '../support/stats.js';

// The bus alone: a 3-node NATS JetStream cluster on loopback, a stream with 3 replicas shaped
// like the change stream (file storage, one subject per environment), change-sized messages.
// Measures what the fleet model needs of NATS: how many changes per second the cluster takes in
// (publishes acknowledged by the replicas), what delivering a change to one more edge costs it
// (an ordered consumer per edge, as edges read), and the publish-to-delivery latency at a low
// rate. CPU is the nats-server processes' own; the consumers and publisher run in this process.

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    bytes: { type: 'string', default: '1040' },
    consumers: { type: 'string', default: '8' },
    'in-flight': { type: 'string', default: '256' },
    'latency-samples': { type: 'string', default: '500' },
    record: { type: 'boolean', default: false },
  },
});
const bounded = (name: string, raw: string, max: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be an integer from 1 to ${max} (got "${raw}")`);
  return n;
};
const messages = bounded('messages', values.messages, 1_000_000);
const bytes = bounded('bytes', values.bytes, 1_000_000);
const consumers = bounded('consumers', values.consumers, 64);
const inFlight = bounded('in-flight', values['in-flight'], 4_096);
const latencySamples = bounded('latency-samples', values['latency-samples'], 10_000);

const STREAM = 'BENCH_CHANGES';
const SUBJECTS = 1_000;
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishAll(js: JetStreamClient, payload: Uint8Array): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < messages; i = next++)
      await js.publish(`bench.changes.${i % SUBJECTS}`, payload);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

/** `count` ordered consumers each reading the whole stream; resolves when all have. */
async function readAll(js: JetStreamClient, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const consumer = await js.consumers.get(STREAM, { filter_subjects: 'bench.changes.*' });
      const iter = await consumer.consume({ max_messages: 256 });
      let seen = 0;
      for await (const _ of iter) if (++seen === messages) break;
      iter.stop();
    }),
  );
}

/** Publish-to-delivery at one consumer, one message every 10 ms. */
async function latency(js: JetStreamClient): Promise<number[]> {
  const consumer = await js.consumers.get(STREAM, {
    filter_subjects: 'bench.latency',
    deliver_policy: DeliverPolicy.New,
  });
  const samples: number[] = [];
  const iter = await consumer.consume({ max_messages: 16 });
  const reading = (async () => {
    for await (const m of iter) {
      samples.push(performance.now() - Number(m.string().slice(0, 20)));
      if (samples.length === latencySamples) break;
    }
  })();
  const pad = 'x'.repeat(Math.max(0, bytes - 20));
  for (let i = 0; i < latencySamples; i++) {
    await js.publish('bench.latency', `${performance.now().toFixed(3).padStart(20)}${pad}`);
    await sleep(10);
  }
  await reading;
  iter.stop();
  return samples;
}

const servers = new NatsServers();
try {
  const nodes = await servers.cluster(3, 'bus-bench');
  const nc = await connect({ servers: nodes.map((n) => n.url) });
  let jsm: JetStreamManager | undefined;
  await until(
    'JetStream to answer',
    async () => {
      jsm = await jetstreamManager(nc).catch(() => undefined);
      return jsm !== undefined;
    },
    30_000,
    200,
  );
  // A new cluster answers JetStream requests once it has elected its meta leader.
  await until(
    'the stream to be created',
    async () =>
      jsm!.streams
        .add({ name: STREAM, subjects: ['bench.changes.*', 'bench.latency'], num_replicas: 3 })
        .then(
          () => true,
          () => false,
        ),
    30_000,
    200,
  );
  const js = jetstream(nc);
  const natsCpu = () => cpuSeconds(nodes.flatMap((n) => (n.pid === undefined ? [] : [n.pid])));
  const payload = new Uint8Array(bytes).fill(120);

  let cpu = natsCpu();
  let started = performance.now();
  await publishAll(js, payload);
  const publishSeconds = (performance.now() - started) / 1000;
  const publishCpu = natsCpu() - cpu;
  log(`published ${messages} in ${publishSeconds.toFixed(2)} s`);

  cpu = natsCpu();
  started = performance.now();
  await readAll(js, consumers);
  const deliverSeconds = (performance.now() - started) / 1000;
  const deliverCpu = natsCpu() - cpu;
  const deliveries = messages * consumers;
  log(`delivered ${deliveries} in ${deliverSeconds.toFixed(2)} s`);

  const lat = summary(await latency(js));
  await nc.close();

  const figures = {
    messageBytes: bytes,
    replicas: 3,
    nodes: nodes.length,
    publishedPerSecond: messages / publishSeconds,
    natsCpuPerPublishUs: (publishCpu * 1e6) / messages,
    consumers,
    deliveredPerSecond: deliveries / deliverSeconds,
    natsCpuPerDeliveryUs: (deliverCpu * 1e6) / deliveries,
    latencyMs: { p50: lat.p50, p99: lat.p99 },
  };
  const f = (v: number, d = 0) => v.toFixed(d);
  console.log('NATS JetStream alone: 3 nodes, stream R3 (file), loopback');
  console.log(`  ${new Date().toISOString()}  ${machine()}`);
  console.log(
    `  publish ${messages} x ${bytes} B, ${inFlight} in flight: ${f(figures.publishedPerSecond)}/s, NATS CPU ${f(figures.natsCpuPerPublishUs, 1)} µs per message (all 3 nodes)`,
  );
  console.log(
    `  ${consumers} ordered consumers reading all: ${f(figures.deliveredPerSecond)} deliveries/s, NATS CPU ${f(figures.natsCpuPerDeliveryUs, 1)} µs per delivery`,
  );
  console.log(`  publish -> delivery at 100/s: p50 ${f(lat.p50, 2)} ms, p99 ${f(lat.p99, 2)} ms`);
  console.log(JSON.stringify({ benchmark: 'bus', date: new Date().toISOString(), ...figures }));
  if (values.record)
    log(
      `figures for the fleet model written to ${writeMeasurement('bus', {
        date: new Date().toISOString(),
        machine: thisMachine(),
        command: `npm run bench:bus -- ${process.argv.slice(2).join(' ')}`.trim(),
        ...figures,
      })}`,
    );
} finally {
  await servers.stopAll();
}
