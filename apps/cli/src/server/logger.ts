import { pino, type Logger } from 'pino';
import type { LogLevel } from './config-checks.js';

/**
 * Structured JSON logs on stdout, one object per line, for a log collector to parse. Nothing
 * logs credentials on purpose; the redaction is the second line of defence, for a header or a
 * record that ends up in a logged object anyway (an error's request, say).
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'vexil',
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        '*.headers.authorization',
        '*.*.headers.authorization',
        'sdkKey',
        '*.sdkKey',
        'mobileKey',
        '*.mobileKey',
        'token',
        '*.token',
        'adminToken',
        '*.adminToken',
      ],
      censor: '[redacted]',
    },
  });
}
