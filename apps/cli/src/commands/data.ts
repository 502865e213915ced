import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, oneLine } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { ImportResult, SdkData } from '../client/api-types.js';
import {
  apiClient,
  output,
  positional,
  projectOf,
  projectOptions,
  type Command,
  type CommandContext,
} from './command.js';

// Import and export in LaunchDarkly's SDK data format ({"flags": {...}, "segments": {...}}, as
// served by /sdk/latest-all): the migration path from LaunchDarkly and a backup format.

const dataPath = (ctx: CommandContext) =>
  apiPath('projects', projectOf(ctx), 'environments', ctx.args.requireString('env'), 'data');

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The data itself, or the `data` of a stream `put` event ({"path": "/", "data": {...}}). */
function sdkDataOf(document: unknown): unknown {
  if (typeof document === 'object' && document !== null && 'data' in document) {
    const data = (document as { data: unknown }).data;
    if (typeof data === 'object' && data !== null && 'flags' in data) return data;
  }
  return document;
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError('IO', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError('IO', `${file} is not valid JSON: ${oneLine((e as Error).message)}`);
  }
}

export const importCommand: Command = {
  name: 'import',
  writes: true,
  args: ['file'],
  usage: '--env <env> [--project <key>]',
  summary: "Replace an environment's flags and segments with a LaunchDarkly SDK data file",
  options: projectOptions({ env: { type: 'string' } }),
  async run(ctx) {
    const path = dataPath(ctx);
    const file = resolve(ctx.cwd, positional(ctx));
    const data = sdkDataOf(await readJsonFile(file));
    const result = await apiClient(ctx).put<ImportResult>(path, data);
    for (const w of result.warnings) {
      ctx.io.stderr(`vexil: warning: ${w.path}: ${oneLine(w.message)}\n`);
    }
    output(
      ctx,
      result,
      () =>
        `Imported ${plural(result.flags, 'flag')} and ${plural(result.segments, 'segment')} into ${projectOf(ctx)}/${ctx.args.string('env') ?? ''} (${plural(result.changes, 'change')} published)\n`,
    );
  },
};

export const exportCommand: Command = {
  name: 'export',
  usage: '--env <env> [--out <file>] [--project <key>]',
  summary: "Write an environment's flags and segments as LaunchDarkly SDK data JSON",
  options: projectOptions({ env: { type: 'string' }, out: { type: 'string' } }),
  async run(ctx) {
    const data = await apiClient(ctx).get<SdkData>(dataPath(ctx));
    const json = `${JSON.stringify(data, null, 2)}\n`;
    const out = ctx.args.string('out');
    if (out === undefined) {
      ctx.io.stdout(json);
      return;
    }
    const file = resolve(ctx.cwd, out);
    try {
      await writeFile(file, json);
    } catch (e) {
      throw new CliError('IO', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const flags = Object.keys(data.flags).length;
    const segments = Object.keys(data.segments).length;
    output(
      ctx,
      { file, flags, segments },
      () =>
        `Exported ${plural(flags, 'flag')} and ${plural(segments, 'segment')} from ${projectOf(ctx)}/${ctx.args.string('env') ?? ''} to ${file}\n`,
    );
  },
};
