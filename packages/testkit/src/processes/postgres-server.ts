import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificatePair } from '../certificates.js';
import { freePort } from '../ports.js';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';
import { skipOrFail } from '../services.js';

// A throwaway PostgreSQL cluster with TLS on, for tests of encrypted store connections: the
// machine's own server is left as it is. initdb and postgres refuse to run as root, so both run
// as the `postgres` OS user (runuser) in a temporary directory it owns; the server is stopped by
// the PID in its postmaster.pid and the directory removed. Only TLS connections may log in
// (pg_hba.conf: hostssl with a password, hostnossl rejected).

export const POSTGRES_BIN = process.env['VEXIL_TEST_POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';

const run = promisify(execFile);

/** Like `natsServerSkip`: a skip message without the binaries or the user, a failure under CI. */
export function postgresServerSkip(): string | undefined {
  const missing = !existsSync(join(POSTGRES_BIN, 'initdb'))
    ? `${POSTGRES_BIN}/initdb is not installed (apt-get install postgresql, or set VEXIL_TEST_POSTGRES_BIN)`
    : !/^postgres:/m.test(readFileSync('/etc/passwd', 'utf8'))
      ? 'there is no postgres OS user to run a temporary PostgreSQL as'
      : process.getuid?.() !== 0
        ? 'a temporary PostgreSQL needs root, to run it as the postgres user'
        : undefined;
  return missing === undefined ? undefined : skipOrFail(missing);
}

export interface PostgresServerOptions {
  /** The server's certificate and key (PEM files; copied into the cluster's directory). */
  readonly certificate: CertificatePair;
  /** The superuser `vexil` logs in with this password. */
  readonly password: string;
}

export class PostgresServer {
  private readonly unreap: () => void;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly password: string,
    private readonly child: ChildProcess,
  ) {
    this.unreap = reapOnExit(() => this.killNow());
  }

  /** initdb, then the server with ssl=on on a free loopback port; resolves once it is ready. */
  static async start(options: PostgresServerOptions): Promise<PostgresServer> {
    const { uid, gid } = postgresUser();
    const dir = await mkdtemp(join(tmpdir(), 'vexil-pg-'));
    await chown(dir, uid, gid);
    const owned = async (path: string, text: string | undefined, mode: number) => {
      if (text !== undefined) await writeFile(path, text);
      await chown(path, uid, gid);
      await chmod(path, mode);
    };
    const data = join(dir, 'data');
    await owned(join(dir, 'password'), options.password, 0o600);
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      join(POSTGRES_BIN, 'initdb'),
      '-D',
      data,
      '-U',
      'vexil',
      `--pwfile=${join(dir, 'password')}`,
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    // The key must belong to the server's user and be private to it, or postgres refuses it.
    await copyFile(options.certificate.cert, join(dir, 'server.pem'));
    await owned(join(dir, 'server.pem'), undefined, 0o644);
    await copyFile(options.certificate.key, join(dir, 'server-key.pem'));
    await owned(join(dir, 'server-key.pem'), undefined, 0o600);
    await owned(
      join(data, 'pg_hba.conf'),
      [
        'local all all trust',
        'hostssl all all 127.0.0.1/32 scram-sha-256',
        'hostnossl all all 127.0.0.1/32 reject',
      ].join('\n') + '\n',
      0o600,
    );
    const port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: dir,
      ssl: 'on',
      ssl_cert_file: join(dir, 'server.pem'),
      ssl_key_file: join(dir, 'server-key.pem'),
      fsync: 'off',
      max_connections: '60',
      shared_buffers: '16MB',
    };
    const child = spawn(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        join(POSTGRES_BIN, 'postgres'),
        '-D',
        data,
        ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const server = new PostgresServer(dir, port, options.password, child);
    try {
      // postmaster.pid's 8th line turns "ready" once connections are accepted.
      await until(`PostgreSQL on ${port} to be ready`, () => {
        if (child.exitCode !== null) throw new Error(`postgres exited at start:\n${log}`);
        return server.postmaster()?.status === 'ready';
      });
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** postgres://vexil:<password>@127.0.0.1:<port>/postgres, with `params` (sslmode...). */
  url(params: Readonly<Record<string, string>> = {}): string {
    const url = new URL(`postgres://vexil@127.0.0.1:${this.port}/postgres`);
    url.password = this.password;
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  private postmaster(): { pid: number; status: string | undefined } | undefined {
    try {
      const lines = readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n');
      return { pid: Number(lines[0]), status: lines[7]?.trim() };
    } catch {
      return undefined;
    }
  }

  /** Stops the server by PID (a fast shutdown), waits for it, removes the directory. */
  async stop(): Promise<void> {
    const pid = this.postmaster()?.pid;
    if (pid !== undefined && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      await exited;
    }
    this.unreap();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Synchronous last resort for a test process that exits without its `after` hooks. */
  killNow(): void {
    const pid = this.postmaster()?.pid;
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = /^postgres:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
  if (line === null) throw new Error('there is no postgres OS user');
  return { uid: Number(line[1]), gid: Number(line[2]) };
}
