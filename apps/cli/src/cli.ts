import { parseCommandArgs } from './args.js';
import { CliError, oneLine, usageError } from './cli-error.js';
import { COMMANDS, isGroup } from './command-table.js';
import type { Command, CommandContext } from './commands/command.js';
import { COMMENT_OPTION } from './commands/comment.js';
import { commandHelp, groupHelp, mainHelp } from './help.js';
import type { Io } from './io.js';

export interface CliEnvironment {
  readonly io: Io;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly version: string;
}

const HELP = new Set(['help', '--help', '-h']);

/**
 * Runs one `vexil` command line and returns the exit status. Every failure is one line on
 * stderr, `vexil: <what went wrong>`: the API's own message when it sent one.
 */
export async function runCli(
  argv: readonly string[],
  surroundings: CliEnvironment,
): Promise<number> {
  const { io } = surroundings;
  try {
    await dispatch(argv, surroundings);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`vexil: ${oneLine(e.message)}\n`);
      return e.exitCode;
    }
    io.stderr(`vexil: unexpected error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], surroundings: CliEnvironment): Promise<void> {
  const [name, ...rest] = argv;
  const { io, version } = surroundings;
  if (name === undefined || HELP.has(name)) {
    const topic = name === undefined ? undefined : rest[0];
    const entry = COMMANDS.find((c) => c.name === topic);
    if (entry === undefined) io.stdout(mainHelp(version));
    else io.stdout(isGroup(entry) ? groupHelp(entry) : commandHelp('', entry));
    return;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`${version}\n`);
    return;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    throw usageError(`unknown command "${name}"; run "vexil help" for the list`);
  }
  if (!isGroup(entry)) return run('', entry, rest, surroundings);

  const [sub, ...args] = rest;
  const names = entry.commands.map((c) => c.name).join(', ');
  if (sub === undefined) {
    throw usageError(`"vexil ${entry.name}" needs a command: ${names}`);
  }
  if (HELP.has(sub)) {
    io.stdout(groupHelp(entry));
    return;
  }
  const command = entry.commands.find((c) => c.name === sub);
  if (command === undefined) {
    throw usageError(`unknown command "vexil ${entry.name} ${sub}"; use one of ${names}`);
  }
  return run(`${entry.name} `, command, args, surroundings);
}

async function run(
  prefix: string,
  command: Command,
  argv: readonly string[],
  surroundings: CliEnvironment,
): Promise<void> {
  const full = `${prefix}${command.name}`;
  const options =
    command.writes === true ? { ...command.options, ...COMMENT_OPTION } : command.options;
  const args = parseCommandArgs(argv, options, full);
  if (args.boolean('help')) {
    surroundings.io.stdout(commandHelp(prefix, command));
    return;
  }
  const wanted = command.args ?? [];
  if (args.positionals.length < wanted.length) {
    const missing = wanted.slice(args.positionals.length).map((a) => `<${a}>`);
    throw usageError(`"vexil ${full}" needs ${missing.join(' ')}; see "vexil ${full} --help"`);
  }
  if (args.positionals.length > wanted.length) {
    const extra = args.positionals[wanted.length]!;
    throw usageError(
      `unexpected argument "${extra}" for "vexil ${full}"; see "vexil ${full} --help"`,
    );
  }
  const ctx: CommandContext = { ...surroundings, args };
  await command.run(ctx);
}
