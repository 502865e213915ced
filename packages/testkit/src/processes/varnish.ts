import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepts, freePort } from '../ports.js';
import { skipOrFail } from '../services.js';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';

// A real varnishd running deploy/varnish/vexil.vcl on a loopback port, in front of the backends
// a test names: its vexil-backends.vcl (the edges, their /readyz probe, the round-robin
// director and the purge ACL) is written into a fresh temporary directory that comes first on
// vcl_path. varnishd runs in the foreground as the current user (`-j none`: as root it would
// otherwise drop to the varnish and vcache users, who cannot read the temporary directory), in
// its own process group, stopped by PID; the group is killed if the test process exits first.

export const VARNISHD_BINARY = process.env['VEXIL_TEST_VARNISHD'] ?? '/usr/sbin/varnishd';

const INSTALL = 'apt-get install varnish varnish-modules, or set VEXIL_TEST_VARNISHD';

/**
 * Like `natsServerSkip`: a skip message on a laptop without varnishd (or, for Debian's, without
 * the vmods of varnish-modules that vexil.vcl imports), a failure under CI=true.
 */
export function varnishSkip(): string | undefined {
  if (!existsSync(VARNISHD_BINARY))
    return skipOrFail(`${VARNISHD_BINARY} is not installed (${INSTALL})`);
  if (process.env['VEXIL_TEST_VARNISHD'] === undefined && !debianVmods())
    return skipOrFail(`varnish-modules (vmods xkey and var) is not installed (${INSTALL})`);
  return undefined;
}

/** Whether Debian's vmod directory (/usr/lib/<arch triplet>/varnish/vmods) has xkey and var. */
function debianVmods(): boolean {
  const triplets = existsSync('/usr/lib') ? readdirSync('/usr/lib') : [];
  return triplets.some((t) =>
    ['libvmod_xkey.so', 'libvmod_var.so'].every((so) =>
      existsSync(join('/usr/lib', t, 'varnish', 'vmods', so)),
    ),
  );
}

export interface VarnishOptions {
  /** The edges, in the round-robin director's order (host default 127.0.0.1). */
  readonly backends: readonly { readonly host?: string; readonly port: number }[];
  /** Addresses (or `address/bits`) allowed to PURGE; default 127.0.0.1. */
  readonly purgers?: readonly string[];
  /** The loopback port to listen on; default a free one. */
  readonly port?: number;
}

export interface VarnishProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Stops varnishd by PID (SIGTERM, SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
  /** An HTTP PURGE carrying `headers` (docs/cdn.md section 4), from 127.0.0.1. */
  purge(headers: Readonly<Record<string, string>>): Promise<Response>;
}

/** The directory holding deploy/varnish, found upward from this file (built or not). */
function varnishDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'deploy', 'varnish');
    if (existsSync(join(candidate, 'vexil.vcl'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('deploy/varnish/vexil.vcl not found above the testkit');
    dir = parent;
  }
}

/** The vexil-backends.vcl that vexil.vcl includes, as deploy/varnish/README.md describes it. */
export function backendsVcl(options: Pick<VarnishOptions, 'backends' | 'purgers'>): string {
  const names = options.backends.map((_, i) => `edge${i + 1}`);
  const acl = (options.purgers ?? ['127.0.0.1']).map((entry) => {
    const [address, bits] = entry.split('/');
    return `    ${JSON.stringify(address)}${bits === undefined ? '' : `/${Number(bits)}`};`;
  });
  return [
    'vcl 4.1;',
    '',
    'probe vexil_readyz {',
    '    .url = "/readyz";',
    '    .interval = 1s;',
    '    .window = 3;',
    '    .threshold = 2;',
    '    .timeout = 1s;',
    '}',
    '',
    ...options.backends.flatMap((b, i) => [
      `backend ${names[i]} {`,
      `    .host = ${JSON.stringify(b.host ?? '127.0.0.1')};`,
      `    .port = "${Number(b.port)}";`,
      '    .probe = vexil_readyz;',
      '}',
      '',
    ]),
    'sub vexil_init {',
    '    new vexil_edges = directors.round_robin();',
    ...names.map((name) => `    vexil_edges.add_backend(${name});`),
    '}',
    '',
    'acl vexil_purgers {',
    ...acl,
    '}',
    '',
  ].join('\n');
}

/** Output kept for a start failure's message. */
const MAX_OUTPUT = 64 * 1024;

/** Starts varnishd and waits (at most 30 s: it compiles the VCL with cc) until it accepts. */
export async function startVarnish(options: VarnishOptions): Promise<VarnishProcess> {
  if (options.backends.length === 0) throw new Error('startVarnish needs at least one backend');
  const vclDir = varnishDir();
  const dir = await mkdtemp(join(tmpdir(), 'vexil-varnish-'));
  const port = options.port ?? (await freePort());
  await writeFile(join(dir, 'vexil-backends.vcl'), backendsVcl(options));
  const args = [
    '-F',
    '-j',
    'none',
    '-n',
    join(dir, 'n'),
    '-a',
    `127.0.0.1:${port}`,
    '-T',
    'none',
    '-f',
    join(vclDir, 'vexil.vcl'),
    '-p',
    `vcl_path=${dir}:${vclDir}:/usr/share/varnish/vcl`,
    '-s',
    'malloc,64m',
  ];
  const child = spawn(VARNISHD_BINARY, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start ${VARNISHD_BINARY}`);
  }
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const unreap = reapOnExit(() => {
    killGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      // The cache process, should the manager have left it behind.
      killGroup('SIGKILL');
      unreap();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}`;
  const purge = (headers: Readonly<Record<string, string>>) =>
    fetch(`${url}/`, { method: 'PURGE', headers, signal: AbortSignal.timeout(5_000) });
  try {
    // The manager listens before its cache process runs the VCL: ready is an answer from the
    // VCL (a PURGE naming nothing: 400, or 403 when 127.0.0.1 is not a purger).
    await until(
      `varnishd to answer on ${port}`,
      async () => {
        if (exited) throw new Error(`varnishd exited at start:\n${output}`);
        if (!(await accepts(port))) return false;
        const res = await purge({}).catch(() => undefined);
        await res?.arrayBuffer();
        return res?.status === 400 || res?.status === 403;
      },
      30_000,
      50,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, url, pid, stop, purge };
}
