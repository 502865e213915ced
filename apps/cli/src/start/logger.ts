import { pino, type Logger } from 'pino';
import type { LogLevel } from './start-config.js';

/** Structured JSON logs on stdout, one object per line, for a log collector to parse. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'vexil',
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
