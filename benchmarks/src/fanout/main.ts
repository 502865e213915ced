import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine } from '../support/machine.js';
import { runFanout, type FanoutResult } from './fanout-run.js';
import { tuneKernel } from './kernel-tuning.js';
import { buildLoadGenerator } from './load-generator.js';
import { ensureNchan, startNchan } from './nchan-target.js';
import { readOptions, USAGE, type FanoutOptions } from './options.js';
import { installCleanup, stopAll } from './processes.js';
import { recordFanout } from './record.js';
import { renderReport, type FanoutReport } from './report.js';
import { runStorm } from './storm-run.js';
import { runSustained } from './sustained-run.js';
import { deployVexil, type EdgeStart, type VexilDeployment } from './vexil-target.js';

// Macro fan-out benchmark (issue 6): Vexil's edge against nginx + nchan with the same C load
// generator, then a reconnect storm and a sustained-load run. Progress goes to stderr; the report
// and, last, one JSON line go to stdout and to benchmarks/results/.

const RESULTS = fileURLToPath(new URL('../../../results/', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * `--rate-limits`: every stream connect and failed authentication goes through its token
 * bucket (one address: the generator's 127.0.0.1), at a rate no run reaches.
 */
const UNREACHED_RATE_LIMITS = [
  '--rate-limit-sdk',
  '10000000/10000000',
  '--rate-limit-auth-failures',
  '10000000/10000000',
];

export const edgeCap = (streams: number) => Math.ceil(streams * 1.1);

async function fanoutSizes(
  vexil: VexilDeployment,
  options: FanoutOptions,
  edge: Omit<EdgeStart, 'port' | 'maxStreams'>,
): Promise<FanoutReport['sizes']> {
  const nchan = options.nchan && ensureNchan(log);
  const payload = await vexil.patchPayload();
  const putPayload = await vexil.putPayload();
  log(
    `patch event data: ${payload.length} bytes, put: ${putPayload.length} bytes; nchan's messages have the same`,
  );
  const sizes: FanoutReport['sizes'] = [];
  let markerBase = 10_000;
  for (const streams of options.sizes) {
    const settings = {
      streams,
      changes: options.changes,
      connectWindow: options.connectWindow,
      log,
    };
    log(`\n${streams.toLocaleString('en-US')} streams`);
    // Headroom over N: the cap is measured elsewhere (npm test); here every stream should get in.
    const target = await vexil.startEdge({ ...edge, port: 0, maxStreams: edgeCap(streams) });
    log(`  ${target.banner.split('\n').slice(1).join('; ').replace(/\s+/g, ' ')}`);
    let vexilResult: FanoutResult;
    try {
      vexilResult = await runFanout(target, { ...settings, markerBase });
    } finally {
      await target.stop();
    }
    markerBase += 200;
    let nchanResult: FanoutResult | undefined;
    if (nchan) {
      const reference = await startNchan(streams, payload, putPayload);
      try {
        nchanResult = await runFanout(reference, { ...settings, markerBase });
      } finally {
        await reference.stop();
      }
      markerBase += 200;
    }
    sizes.push({
      vexil: vexilResult,
      ...(nchanResult === undefined
        ? {}
        : { nchan: nchanResult, ratioP99: vexilResult.p99Ms / nchanResult.p99Ms }),
    });
  }
  return sizes;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(USAGE);
    return;
  }
  installCleanup();
  buildLoadGenerator();
  const kernel = tuneKernel();
  kernel.forEach((k) => log(`kernel: ${k}`));
  const date = new Date().toISOString();
  const stamp = date.replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const cpuProfDir = options.cpuProf ? `${RESULTS}profiles-${stamp}` : undefined;
  const edge = {
    ...(options.edgeWorkers === undefined ? {} : { workers: options.edgeWorkers }),
    ...(cpuProfDir === undefined ? {} : { cpuProfDir }),
    ...(options.rateLimits ? { extraArgs: UNREACHED_RATE_LIMITS } : {}),
  };
  if (options.rateLimits) log(`edge rate limits on: ${UNREACHED_RATE_LIMITS.join(' ')}`);
  const environments = options.parts.includes('sustained') ? options.sustainedEnvironments : 1;
  const vexil = await deployVexil({
    environments,
    quiet: !options.verbose,
    ...(options.nats === undefined ? {} : { nats: options.nats }),
  });
  log(`origin ${vexil.originUrl}, NATS ${vexil.natsUrl}`);
  try {
    const report: FanoutReport = {
      date,
      machine: machine(),
      command: `bench:fanout ${process.argv.slice(2).join(' ')}`.trim(),
      kernel,
      loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      sizes: options.parts.includes('fanout') ? await fanoutSizes(vexil, options, edge) : [],
      ...(options.parts.includes('storm')
        ? {
            storm: await (log('\nreconnect storm'),
            runStorm(vexil, {
              streams: options.stormStreams,
              signal: options.stormSignal,
              timeoutSeconds: options.stormTimeoutSeconds,
              connectWindow: options.connectWindow,
              edge,
              log,
            })),
          }
        : {}),
      ...(options.parts.includes('sustained')
        ? {
            sustained: await (log('\nsustained load'),
            runSustained(vexil, {
              streams: options.sustainedStreams,
              environments: options.sustainedEnvironments,
              changesPerSecond: options.sustainedRate,
              seconds: options.sustainedSeconds,
              connectWindow: options.connectWindow,
              edge,
              log,
            })),
          }
        : {}),
    };
    const text = renderReport(report);
    const json = JSON.stringify({ benchmark: 'fanout', ...report });
    console.log(`\n${text}\n${json}`);
    writeFileSync(`${RESULTS}fanout-${stamp}.txt`, `${text}\n`);
    writeFileSync(`${RESULTS}fanout-${stamp}.json`, `${json}\n`);
    log(`\nwritten to benchmarks/results/fanout-${stamp}.{txt,json}`);
    if (cpuProfDir !== undefined) log(`edge CPU profiles in ${cpuProfDir}`);
    if (options.record) {
      const payloads = {
        patchBytes: (await vexil.patchPayload()).length,
        putBytes: (await vexil.putPayload()).length,
      };
      log(`figures for the fleet model written to ${recordFanout(report, payloads)}`);
    }
  } finally {
    await vexil.close();
    await stopAll();
  }
}

await main();
