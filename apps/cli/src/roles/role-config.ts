import { hostname } from 'node:os';
import type { RateLimitOptions } from '@vexil/edge/rate-limits';
import { usageError } from '../cli-error.js';
import {
  checkHost,
  checkLogLevel,
  checkPort,
  checkToken,
  type LogLevel,
  type Raw,
} from '../server/config-checks.js';
import { rateLimitConfig } from '../server/rate-limit-config.js';
import { serverTls, type ServerTls } from '../server/server-tls.js';

// Configuration of `vexil origin` and `vexil edge`, read once: flags win over environment
// variables, which win over defaults; a bad value is a usage error naming where it came from.

type Env = Readonly<Record<string, string | undefined>>;

export interface Source {
  /** The raw value of a flag, else of its environment variable. */
  raw(flag: string, variable: string): Raw | undefined;
  /** An environment variable alone: secrets, which a command line would show to `ps`. */
  secret(variable: string): string | undefined;
}

export function source(flags: Readonly<Record<string, string | undefined>>, env: Env): Source {
  return {
    raw(flag, variable) {
      const fromFlag = flags[flag];
      if (fromFlag !== undefined) return { value: fromFlag, source: `--${flag}` };
      const fromEnv = env[variable];
      return fromEnv === undefined || fromEnv === ''
        ? undefined
        : { value: fromEnv, source: variable };
    },
    secret: (variable) => env[variable],
  };
}

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** Listen on a socket of the process's own in an SO_REUSEPORT group (edge workers). */
  readonly reusePort?: boolean;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly drainWindowMs: number;
  /** The port's rate limits (server/rate-limit-config.ts). */
  readonly rateLimits: RateLimitOptions;
  /** VEXIL_METRICS_TOKEN: the bearer token /metrics asks for (server/metrics-handler.ts). */
  readonly metricsToken: string | undefined;
  /** HTTPS on the port (--tls-cert, --tls-key); plain HTTP without. */
  readonly tls?: ServerTls;
}

export function serveConfig(src: Source, defaultPort: number): ServeConfig {
  const tls = serverTls(src.raw('tls-cert', 'VEXIL_TLS_CERT'), src.raw('tls-key', 'VEXIL_TLS_KEY'));
  return {
    ...(tls === undefined ? {} : { tls }),
    host: checkHost(src.raw('host', 'VEXIL_HOST')) ?? '127.0.0.1',
    port: checkPort(src.raw('port', 'VEXIL_PORT')) ?? defaultPort,
    logLevel: checkLogLevel(src.raw('log-level', 'VEXIL_LOG_LEVEL')) ?? 'info',
    shutdownTimeoutMs: 20_000,
    drainWindowMs: seconds(src.raw('drain-seconds', 'VEXIL_DRAIN_SECONDS'), 10) * 1000,
    rateLimits: rateLimitConfig((flag, variable) => src.raw(flag, variable)),
    metricsToken: checkToken(src.secret('VEXIL_METRICS_TOKEN'), 'VEXIL_METRICS_TOKEN', 'for none'),
  };
}

export function url(
  raw: Raw | undefined,
  schemes: readonly string[],
  what: string,
): string | undefined {
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw.value);
  } catch {
    throw usageError(
      `${raw.source} must be a URL such as ${schemes[0]}//host:port for ${what} (got "${raw.value}")`,
    );
  }
  if (!schemes.includes(parsed.protocol)) {
    throw usageError(
      `${raw.source} must be a ${schemes.join(' or ')} URL for ${what} (got "${raw.value}")`,
    );
  }
  return raw.value;
}

/** NATS names of one deployment, so that several (staging, production) can share a NATS cluster. */
export interface BusNames {
  /** Subjects `<namespace>.changes.<environmentId>` and `<namespace>.directory`. */
  readonly subjectPrefix: string;
  /** Streams `<NAMESPACE>_CHANGES` and `<NAMESPACE>_CHANGES_DIRECTORY`. */
  readonly streamName: string;
}

export const BUS_NAMESPACE_HELP = `--bus-namespace, VEXIL_BUS_NAMESPACE  subjects and streams of this deployment on NATS
                                (default vexil); deployments sharing NATS need different ones`;

export function busNames(raw: Raw | undefined): BusNames {
  const namespace = raw?.value ?? 'vexil';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(namespace)) {
    throw usageError(
      `${raw!.source} must be 1 to 64 lowercase letters, digits, _ or -, such as "staging" (got "${namespace}")`,
    );
  }
  return { subjectPrefix: namespace, streamName: `${namespace.toUpperCase()}_CHANGES` };
}

export function seconds(raw: Raw | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.value);
  if (!/^\d+(\.\d+)?$/.test(raw.value) || !Number.isFinite(n)) {
    throw usageError(`${raw.source} must be a number of seconds (got "${raw.value}")`);
  }
  return n;
}

export function positiveInt(raw: Raw | undefined, what: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw.value))
    throw usageError(`${raw.source} must be a positive integer, ${what} (got "${raw.value}")`);
  return Number(raw.value);
}

export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw usageError(message);
  return value;
}

export function defaultNodeId(role: string): string {
  return `${role}-${hostname()}-${process.pid}`;
}
