// The CLI's one error class. Its code decides the exit status: 2 when the command line itself
// is wrong (fix the arguments), 1 when the work failed (the API refused, the server is
// unreachable, a file could not be read or written).

export type CliErrorCode = 'USAGE' | 'API' | 'UNREACHABLE' | 'IO' | 'STARTUP';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  get exitCode(): number {
    return this.code === 'USAGE' ? 2 : 1;
  }
}

export function usageError(message: string): CliError {
  return new CliError('USAGE', message);
}

/** The message of anything thrown, on one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
