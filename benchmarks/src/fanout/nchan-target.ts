import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerValue } from './bench-flag.js';
import {
  descendantsOf,
  freePort,
  nowMicros,
  removeAtExit,
  sleep,
  start,
  stop,
} from './processes.js';
import type { Target } from './target.js';

// The reference: nginx + nchan serving EventSource on GET /all, fed by a publisher location. The
// same load generator connects to it; every message has the size of Vexil's `patch` event, and
// a new subscriber first gets the newest message, published as `put` with the data of Vexil's
// `put` (equal work per connect), with the event name set by the publisher
// (X-EventSource-Event), so the streams look alike.

const MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const NGINX = '/usr/sbin/nginx';
/** Streams per nginx worker: under the 20,000-file limit, as for Vexil's edge workers. */
const STREAMS_PER_WORKER = 18_000;

/** Installs nginx-light and libnginx-mod-nchan when missing; false when they cannot be had. */
export function ensureNchan(log: (line: string) => void): boolean {
  if (existsSync(NGINX) && existsSync(MODULE)) return true;
  log('nginx + nchan missing: installing nginx-light and libnginx-mod-nchan with apt-get');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'nginx-light', 'libnginx-mod-nchan'], {
      stdio: 'ignore',
      env,
    });
  } catch (e) {
    log(`  apt-get failed (${(e as Error).message.split('\n')[0]}); skipping nchan`);
    return false;
  }
  return existsSync(NGINX) && existsSync(MODULE);
}

function config(dir: string, port: number, workers: number): string {
  return `load_module ${MODULE};
daemon off;
master_process on;
worker_processes ${workers};
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 19500; multi_accept on; accept_mutex off; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  client_body_buffer_size 64k;
  nchan_max_reserved_memory 256M;
  server {
    listen 127.0.0.1:${port} reuseport;
    location = /all {
      nchan_subscriber eventsource;
      nchan_channel_id bench;
      # -1: a new subscriber starts with the newest message, the stand-in for Vexil's put.
      nchan_subscriber_first_message -1;
    }
    location = /pub {
      nchan_publisher;
      nchan_channel_id bench;
      nchan_message_buffer_length 16;
      nchan_message_timeout 10m;
    }
  }
}
`;
}

/**
 * Starts nginx + nchan sized for `streams`, and publishes the initial message: `put`, the data
 * of Vexil's put. Each change is a `patch` message of `payload`.
 */
export async function startNchan(
  streams: number,
  payload: string,
  putPayload: string,
): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-nchan-'));
  removeAtExit(dir);
  const port = await freePort();
  const workers = Math.max(2, Math.ceil(streams / STREAMS_PER_WORKER));
  await writeFile(join(dir, 'nginx.conf'), config(dir, port, workers));
  const master = start(NGINX, ['-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')]);
  master.stdout!.resume();
  master.stderr!.resume();
  const url = `http://127.0.0.1:${port}`;
  const publish = async (event: string, body: string) => {
    const res = await fetch(`${url}/pub`, {
      method: 'POST',
      headers: { 'x-eventsource-event': event, 'content-type': 'text/plain' },
      body,
    });
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`nchan publish answered ${res.status}`);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await publish('put', putPayload.replaceAll('MARKER', markerValue(0)));
      break;
    } catch (e) {
      if (Date.now() > deadline || master.exitCode !== null)
        throw new Error(`nginx did not come up: ${(e as Error).message}`, { cause: e });
      await sleep(100);
    }
  }
  const pids = () => [master.pid!, ...descendantsOf(master.pid!)];
  return {
    name: 'nchan',
    port,
    banner: `nginx + nchan, ${workers} workers (pids ${descendantsOf(master.pid!).join(', ')})`,
    streamRequest: () => ({ port, path: '/all', headers: [] }),
    memoryPids: pids,
    cpuPids: pids,
    async change(marker) {
      const sentUs = nowMicros();
      await publish('patch', payload.replaceAll('MARKER', markerValue(marker)));
      return sentUs;
    },
    async stop() {
      await stop(master, 'SIGTERM', 15_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
