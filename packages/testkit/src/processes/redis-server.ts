import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificatePair } from '../certificates.js';
import { accepts, freePort } from '../ports.js';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';
import { skipOrFail } from '../services.js';

// A redis-server of the test's own, TLS only (`--port 0`), which verifies client certificates
// and lets in one ACL user (the default user is off): for tests of encrypted, authenticated
// connections to Redis. Started and stopped by PID, nothing written to disk.

export const REDIS_SERVER_BINARY =
  process.env['VEXIL_TEST_REDIS_SERVER'] ?? '/usr/bin/redis-server';
const REDIS_CLI_BINARY = process.env['VEXIL_TEST_REDIS_CLI'] ?? '/usr/bin/redis-cli';

const run = promisify(execFile);

/** Like `natsServerSkip`: a skip message without redis-server, a failure under CI=true. */
export function redisServerSkip(): string | undefined {
  if (existsSync(REDIS_SERVER_BINARY) && existsSync(REDIS_CLI_BINARY)) return undefined;
  return skipOrFail(
    `${REDIS_SERVER_BINARY} or redis-cli is not installed (apt-get install redis-server, or set VEXIL_TEST_REDIS_SERVER)`,
  );
}

export interface TlsRedisOptions {
  readonly certificate: CertificatePair;
  /** The CA that signed the clients' certificates (and `certificate`). */
  readonly ca: string;
  /** The client certificate redis-cli presents, for `command`. */
  readonly client: CertificatePair;
  readonly user: string;
  readonly password: string;
}

export class TlsRedisServer {
  private readonly unreap: () => void;

  private constructor(
    private readonly options: TlsRedisOptions,
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.unreap = reapOnExit(() => this.child.kill('SIGKILL'));
  }

  static async start(options: TlsRedisOptions): Promise<TlsRedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'vexil-redis-'));
    const args = [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      options.certificate.cert,
      '--tls-key-file',
      options.certificate.key,
      '--tls-ca-cert-file',
      options.ca,
      '--tls-auth-clients',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--user',
      'default',
      'off',
      '--user',
      options.user,
      'on',
      `>${options.password}`,
      '~*',
      '&*',
      '+@all',
    ];
    const child = spawn(REDIS_SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const server = new TlsRedisServer(options, port, dir, child);
    try {
      await until(`redis-server to accept TLS connections on ${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited at start:\n${log}`);
        return (await accepts(port)) && /Ready to accept connections/.test(log);
      });
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** rediss://<user>:<password>@127.0.0.1:<port>. */
  get url(): string {
    const url = new URL(`rediss://127.0.0.1:${this.port}`);
    url.username = this.options.user;
    url.password = this.options.password;
    return url.toString();
  }

  /** One command through redis-cli over TLS, as the ACL user; its output, trimmed. */
  async command(...args: string[]): Promise<string> {
    const { ca, client, user, password } = this.options;
    const { stdout } = await run(REDIS_CLI_BINARY, [
      '--tls',
      '--cacert',
      ca,
      '--cert',
      client.cert,
      '--key',
      client.key,
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '--user',
      user,
      '--pass',
      password,
      '--no-auth-warning',
      ...args,
    ]);
    return stdout.trim();
  }

  /** Stops the server by PID and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    this.unreap();
    await rm(this.dir, { recursive: true, force: true });
  }
}
