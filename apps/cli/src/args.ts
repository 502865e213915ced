import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

export type OptionSpec = Readonly<
  Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>
>;

/** A command's parsed command line, with typed accessors. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  /** The option's value; a usage error naming `--name` when it is absent or empty. */
  requireString(name: string, placeholder?: string): string;
  boolean(name: string): boolean;
}

/**
 * Parses `argv` strictly against `options`: unknown options and missing values are usage
 * errors with one-line messages that name the command (node's own messages are multi-line).
 */
export function parseCommandArgs(
  argv: readonly string[],
  options: OptionSpec,
  command: string,
): ParsedArgs {
  const config: ParseArgsConfig = {
    args: [...argv],
    options: { ...options },
    allowPositionals: true,
    strict: true,
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw usageError(parseErrorMessage(e, command));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    positionals: parsed.positionals,
    string(name) {
      const v = values[name];
      return typeof v === 'string' ? v : undefined;
    },
    requireString(name, placeholder = name) {
      const v = values[name];
      if (typeof v !== 'string' || v === '') {
        throw usageError(`"vexil ${command}" needs --${name} <${placeholder}>`);
      }
      return v;
    },
    boolean(name) {
      return values[name] === true;
    },
  };
}

function parseErrorMessage(e: unknown, command: string): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} for "vexil ${command}"; run "vexil ${command} --help"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message)
        ? `${option} needs a value`
        : `${option} takes no value`;
    default:
      return `${message.split('\n')[0] ?? message} (vexil ${command})`;
  }
}
