import { join, resolve } from 'node:path';
import type { RateLimitOptions } from '@vexil/edge/rate-limits';
import { usageError } from '../cli-error.js';
import { cdnConfig, type CdnConfig, type CdnFlag } from '../server/cdn-config.js';
import { apiProcessStreamCap } from '../server/file-budget.js';
import { rateLimitConfig, type RateLimitFlag } from '../server/rate-limit-config.js';
import {
  checkHost,
  checkLogLevel,
  checkPort,
  checkRetentionDays,
  checkToken,
  type LogLevel,
  type Raw,
} from '../server/config-checks.js';
import { serverTls, type ServerTls } from '../server/server-tls.js';

// `vexil start` reads its configuration here and nowhere else: command-line flags win over
// environment variables, which win over the defaults. Values are validated once; a bad one is
// a usage error naming the flag or variable it came from.

export interface StartConfig {
  /** HTTPS on the port (--tls-cert, --tls-key); plain HTTP without. */
  readonly tls?: ServerTls;
  readonly host: string;
  /** 0 asks the operating system for a free port. */
  readonly port: number;
  /** Absolute. Holds the SQLite database and the generated admin token. */
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly adminTokenFile: string;
  /** From VEXIL_ADMIN_TOKEN; otherwise the token is generated once and kept in adminTokenFile. */
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  /** How long shutdown waits for open requests before closing their connections. */
  readonly shutdownTimeoutMs: number;
  /** SDK streams are closed spread over this window at shutdown, so clients reconnect gradually. */
  readonly drainWindowMs: number;
  /** SDK streams held at once; beyond it 503 + Retry-After (server/file-budget.ts). */
  readonly maxStreams: number;
  /** The port's rate limits (server/rate-limit-config.ts). */
  readonly rateLimits: RateLimitOptions;
  /** The CDN tier: cache headers and purges (server/cdn-config.ts). */
  readonly cdn: CdnConfig;
  /** VEXIL_METRICS_TOKEN: the bearer token /metrics asks for (server/metrics-handler.ts). */
  readonly metricsToken: string | undefined;
  /** VEXIL_INSIGHTS_RETENTION_DAYS: how long flag insights are kept (default 90). */
  readonly insightRetentionDays: number;
}

export const START_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: '.vexil',
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  drainWindowMs: 3_000,
} as const;

export interface StartFlags {
  readonly port: string | undefined;
  readonly host: string | undefined;
  readonly data: string | undefined;
  readonly logLevel: string | undefined;
  readonly maxStreams: string | undefined;
  /** --rate-limit-* and --trust-proxy, by flag name. */
  readonly rateLimits?: Readonly<Partial<Record<RateLimitFlag, string>>>;
  /** --cdn-*, by flag name. */
  readonly cdn?: Readonly<Partial<Record<CdnFlag, string>>>;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
}

export function loadStartConfig(
  flags: StartFlags,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): StartConfig {
  const pick = (flag: string | undefined, flagName: string, variable: string) => {
    if (flag !== undefined) return { value: flag, source: flagName };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === ''
      ? undefined
      : { value: fromEnv, source: variable };
  };
  const port = pick(flags.port, '--port', 'VEXIL_PORT');
  const host = pick(flags.host, '--host', 'VEXIL_HOST');
  const data = pick(flags.data, '--data', 'VEXIL_DATA_DIR');
  const level = pick(flags.logLevel, '--log-level', 'VEXIL_LOG_LEVEL');
  const maxStreams = pick(flags.maxStreams, '--max-streams', 'VEXIL_MAX_STREAMS');
  const cap = apiProcessStreamCap();
  const dataDir = resolve(cwd, checkDataDir(data) ?? START_DEFAULTS.dataDir);
  const tls = serverTls(
    pick(flags.tlsCert, '--tls-cert', 'VEXIL_TLS_CERT'),
    pick(flags.tlsKey, '--tls-key', 'VEXIL_TLS_KEY'),
  );
  return Object.freeze({
    ...(tls === undefined ? {} : { tls }),
    host: checkHost(host) ?? START_DEFAULTS.host,
    port: checkPort(port) ?? START_DEFAULTS.port,
    dataDir,
    databaseFile: join(dataDir, 'vexil.db'),
    adminTokenFile: join(dataDir, 'admin-token'),
    adminToken: checkToken(env['VEXIL_ADMIN_TOKEN'], 'VEXIL_ADMIN_TOKEN', 'to have one generated'),
    metricsToken: checkToken(env['VEXIL_METRICS_TOKEN'], 'VEXIL_METRICS_TOKEN', 'for none'),
    insightRetentionDays: checkRetentionDays(env['VEXIL_INSIGHTS_RETENTION_DAYS']),
    logLevel: checkLogLevel(level) ?? START_DEFAULTS.logLevel,
    shutdownTimeoutMs: START_DEFAULTS.shutdownTimeoutMs,
    drainWindowMs: START_DEFAULTS.drainWindowMs,
    maxStreams: checkStreamCap(maxStreams, cap) ?? cap,
    rateLimits: rateLimitConfig((flag, variable) =>
      pick(flags.rateLimits?.[flag], `--${flag}`, variable),
    ),
    cdn: cdnConfig((flag, variable) => pick(flags.cdn?.[flag], `--${flag}`, variable)),
  });
}

function checkDataDir(raw: Raw | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.value === '' || raw.value.includes('\0')) {
    throw usageError(`${raw.source} must be a directory path (got "${raw.value}")`);
  }
  return raw.value;
}

/** A stream cap at most the file budget's (`cap`): more could not be held. */
function checkStreamCap(raw: Raw | undefined, cap: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^[1-9]\d{0,8}$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!(n <= cap)) {
    throw usageError(
      `${raw.source} must be a number of streams from 1 to ${cap}, what this process's open-file limit leaves for streams (got "${raw.value}")`,
    );
  }
  return n;
}
