import type { Logger } from '@vexil/protocol';

// A Logger (the narrow interface the provider takes) that keeps what it is told, for tests that
// check what the provider reports to its operator.

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly msg: string;
}

export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];

  debug(fields: object, msg = ''): void {
    this.lines.push({ level: 'debug', fields, msg });
  }
  info(fields: object, msg = ''): void {
    this.lines.push({ level: 'info', fields, msg });
  }
  warn(fields: object, msg = ''): void {
    this.lines.push({ level: 'warn', fields, msg });
  }
  error(fields: object, msg = ''): void {
    this.lines.push({ level: 'error', fields, msg });
  }

  /** The lines whose message matches `pattern`. */
  matching(pattern: RegExp): LogLine[] {
    return this.lines.filter((line) => pattern.test(line.msg));
  }
}
