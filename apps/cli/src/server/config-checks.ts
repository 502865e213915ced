import { usageError } from '../cli-error.js';

// Checks of configuration values that every role reads the same way (`vexil start`, `vexil
// origin`, `vexil edge`): a value is a Raw, its text and where it came from (a flag or a
// variable), and a bad one is a usage error naming that source.

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Raw {
  readonly value: string;
  readonly source: string;
}

const MIN_TOKEN_LENGTH = 16;

export const METRICS_TOKEN_HELP = `VEXIL_METRICS_TOKEN           bearer token /metrics asks for (16+ characters); without it
                                /metrics answers only on a loopback --host`;

export const INSIGHTS_RETENTION_HELP = `VEXIL_INSIGHTS_RETENTION_DAYS days of flag insights kept (default 90; minute buckets
                                become hourly after 2 days)`;

export function checkPort(raw: Raw | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = /^\d{1,5}$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw usageError(
      `${raw.source} must be a port number from 0 to 65535, 0 for any free port (got "${raw.value}")`,
    );
  }
  return port;
}

export function checkHost(raw: Raw | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const host = raw.value.replace(/^\[(.*)\]$/, '$1');
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) {
    throw usageError(
      `${raw.source} must be a host name or IP address such as 127.0.0.1 or 0.0.0.0 (got "${raw.value}")`,
    );
  }
  return host;
}

/** A secret from the environment: long enough not to be guessed, and sendable as a bearer token. */
export function checkToken(
  token: string | undefined,
  variable: string,
  unsetMeans: string,
): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw usageError(
      `${variable} must be at least ${MIN_TOKEN_LENGTH} characters without spaces; unset it ${unsetMeans}`,
    );
  }
  return token;
}

/** Days of flag insights kept: at least the 2 days kept at minute resolution. */
export function checkRetentionDays(value: string | undefined): number {
  if (value === undefined || value === '') return 90;
  const days = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(days >= 2 && days <= 3650)) {
    throw usageError(
      `VEXIL_INSIGHTS_RETENTION_DAYS must be a whole number of days from 2 to 3650 (got "${value}")`,
    );
  }
  return days;
}

export function checkLogLevel(raw: Raw | undefined): LogLevel | undefined {
  if (raw === undefined) return undefined;
  const level = LOG_LEVELS.find((l) => l === raw.value);
  if (level === undefined) {
    throw usageError(`${raw.source} must be one of ${LOG_LEVELS.join(', ')} (got "${raw.value}")`);
  }
  return level;
}
