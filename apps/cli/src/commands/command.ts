import type { OptionSpec, ParsedArgs } from '../args.js';
import { ApiClient } from '../client/api-client.js';
import { loadClientConfig } from '../client/client-config.js';
import type { Io } from '../io.js';
import { commentHeader, parseCommentOption } from './comment.js';

/** What a command gets to run: its arguments, where to write, and the program's surroundings. */
export interface CommandContext {
  readonly args: ParsedArgs;
  readonly io: Io;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly version: string;
}

export interface Command {
  readonly name: string;
  /** Required positional arguments, by name. */
  readonly args?: readonly string[];
  readonly options: OptionSpec;
  /** The options part of the usage line, such as `--env <env> [--on|--off]`. */
  readonly usage?: string;
  readonly summary: string;
  /** More text for `vexil <command> --help`. */
  readonly details?: string;
  /** It changes something: it takes `--comment <text>`, kept in the audit log (comment.ts). */
  readonly writes?: boolean;
  run(ctx: CommandContext): Promise<void>;
}

/** `vexil <group> <command>`, such as `vexil flags toggle`. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly Command[];
}

export const HELP_OPTION: OptionSpec = { help: { type: 'boolean', short: 'h' } };

/** Options every admin command takes, plus its own. */
export function apiOptions(own: OptionSpec = {}): OptionSpec {
  return {
    ...HELP_OPTION,
    url: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    ...own,
  };
}

/** apiOptions with `--project` (default `default`). */
export function projectOptions(own: OptionSpec = {}): OptionSpec {
  return apiOptions({ project: { type: 'string' }, ...own });
}

export const DEFAULT_PROJECT = 'default';

export function projectOf(ctx: CommandContext): string {
  return ctx.args.string('project') ?? DEFAULT_PROJECT;
}

export function apiClient(ctx: CommandContext): ApiClient {
  return new ApiClient(
    loadClientConfig({ url: ctx.args.string('url'), token: ctx.args.string('token') }, ctx.env),
    commentHeader(parseCommentOption(ctx.args.string('comment'))),
  );
}

/** Writes `raw` as JSON with --json, otherwise the human-readable rendering. */
export function output(ctx: CommandContext, raw: unknown, human: () => string): void {
  if (ctx.args.boolean('json')) {
    if (raw !== undefined) ctx.io.stdout(`${JSON.stringify(raw, null, 2)}\n`);
  } else {
    ctx.io.stdout(human());
  }
}

/** A comma-separated option value as a list, without empty items. */
export function listOption(ctx: CommandContext, name: string): string[] | undefined {
  const value = ctx.args.string(name);
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function positional(ctx: CommandContext, index = 0): string {
  return ctx.args.positionals[index]!;
}
