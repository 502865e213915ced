import { isDeepStrictEqual } from 'node:util';
import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { Flag, Variation } from '../client/api-types.js';
import {
  apiClient,
  listOption,
  output,
  positional,
  projectOf,
  projectOptions,
  type Command,
  type CommandContext,
} from './command.js';
import { flagDetails } from './flag-view.js';

// A flag's life after creation: its settings (name, description, tags, temporary, variations),
// archiving and restoring. All go through PATCH .../flags/{key}/settings, which moves every
// environment's targeting (and other flags' prerequisites) with the variations, and refuses to
// remove a variation still in use, naming where. Edits that read the flag first send If-Match.

/** A variation as the settings route takes it: `from` is the index of the one it was. */
interface VariationEdit {
  value: unknown;
  name?: string;
  description?: string;
  from?: number;
}

const settingsPath = (ctx: CommandContext, key: string) =>
  apiPath('projects', projectOf(ctx), 'flags', key, 'settings');

function parseJson(option: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${option} must be JSON, such as ${example}`);
  }
}

/**
 * `--variations '["red","green"]'`: the new values in order. A value the flag has keeps its
 * name, description and targeting wherever it moves; a new value is a new variation; a value
 * left out is removed.
 */
function variationsFromValues(current: readonly Variation[], text: string): VariationEdit[] {
  const values = parseJson('--variations', text, `'["red","green"]'`);
  if (!Array.isArray(values) || values.length === 0) {
    throw usageError(`--variations must be a non-empty JSON array of values, such as '[1,2,3]'`);
  }
  const claimed = new Set<number>();
  return values.map((value: unknown) => {
    const from = current.findIndex((v, i) => !claimed.has(i) && isDeepStrictEqual(v.value, value));
    if (from < 0) return { value };
    claimed.add(from);
    const { name, description } = current[from]!;
    return {
      value,
      from,
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    };
  });
}

/** `--set-value '1="navy"'`: one variation's value changed where it is. */
function setValue(edits: VariationEdit[], text: string): void {
  const m = /^(\d+)=([\s\S]+)$/.exec(text);
  if (m === null) {
    throw usageError(`--set-value must be <index>=<JSON value>, such as '1="navy"' or '0=true'`);
  }
  const index = Number(m[1]);
  if (index >= edits.length) {
    throw usageError(
      `--set-value: the flag has ${edits.length} variation(s), 0 to ${edits.length - 1} (got ${index})`,
    );
  }
  edits[index] = { ...edits[index]!, value: parseJson('--set-value', m[2]!, `'1="navy"'`) };
}

/** `--variation-names 'Red,Green,'`: one name per variation, empty for none. */
function setNames(edits: VariationEdit[], text: string): void {
  const names = text.split(',').map((n) => n.trim());
  if (names.length !== edits.length) {
    throw usageError(
      `--variation-names needs one name per variation: ${edits.length}, comma-separated (got ${names.length}); leave one empty for no name`,
    );
  }
  names.forEach((name, i) => {
    const { name: _old, ...rest } = edits[i]!;
    edits[i] = name === '' ? rest : { ...rest, name };
  });
}

function onOffOption(ctx: CommandContext, option: string): boolean | undefined {
  const value = ctx.args.string(option);
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw usageError(`--${option} must be "on" or "off" (got "${value}")`);
}

async function sendSettings(
  ctx: CommandContext,
  key: string,
  body: Record<string, unknown>,
  etag?: string | null,
): Promise<Flag> {
  const written = await apiClient(ctx).request<Flag>('PATCH', settingsPath(ctx, key), {
    body,
    headers: etag === undefined || etag === null ? {} : { 'if-match': etag },
  });
  return written.body;
}

export const editCommand: Command = {
  name: 'edit',
  writes: true,
  args: ['key'],
  usage:
    "[--name <name>] [--description <text>] [--tags a,b] [--temporary on|off] [--variations '<JSON array>'] [--set-value '<index>=<JSON>'] [--variation-names 'A,B'] [--project <key>]",
  summary: "Edit a flag's name, description, tags and variations; targeting follows each variation",
  details: [
    '--variations gives the new values in order: a value the flag has keeps its name and its',
    'targeting wherever it moves, a new value is added, a value left out is removed. Removing a',
    'variation that an environment serves (off variation, a rule, a rollout, targets) or that',
    'another flag requires as a prerequisite is refused, naming where it is used.',
    '--set-value changes one value in place (targeting keeps serving it); --variation-names',
    'names every variation, comma-separated. --tags replaces the tags ("" for none).',
  ].join('\n'),
  options: projectOptions({
    name: { type: 'string' },
    description: { type: 'string' },
    tags: { type: 'string' },
    temporary: { type: 'string' },
    variations: { type: 'string' },
    'set-value': { type: 'string' },
    'variation-names': { type: 'string' },
  }),
  async run(ctx) {
    const key = positional(ctx);
    const body: Record<string, unknown> = {};
    const name = ctx.args.string('name');
    const description = ctx.args.string('description');
    const tags = listOption(ctx, 'tags');
    const temporary = onOffOption(ctx, 'temporary');
    if (name !== undefined) body['name'] = name;
    if (description !== undefined) body['description'] = description;
    if (tags !== undefined) body['tags'] = tags;
    if (temporary !== undefined) body['temporary'] = temporary;
    const values = ctx.args.string('variations');
    const set = ctx.args.string('set-value');
    const names = ctx.args.string('variation-names');
    if (values !== undefined && set !== undefined) {
      throw usageError('give --variations (the whole list) or --set-value (one value), not both');
    }
    let etag: string | null | undefined;
    if (values !== undefined || set !== undefined || names !== undefined) {
      const read = await apiClient(ctx).request<Flag>(
        'GET',
        apiPath('projects', projectOf(ctx), 'flags', key),
      );
      etag = read.headers.get('etag');
      const current = read.body.variations;
      const edits: VariationEdit[] =
        values !== undefined
          ? variationsFromValues(current, values)
          : current.map((v, from) => ({ ...v, from }));
      if (set !== undefined) setValue(edits, set);
      if (names !== undefined) setNames(edits, names);
      body['variations'] = edits;
    }
    if (Object.keys(body).length === 0) {
      throw usageError(
        'give what to change: --name, --description, --tags, --temporary, --variations, --set-value or --variation-names',
      );
    }
    const flag = await sendSettings(ctx, key, body, etag);
    output(ctx, flag, () => `Updated flag ${flag.key}\n${flagDetails(flag)}`);
  },
};

export const archiveCommand: Command = {
  name: 'archive',
  writes: true,
  args: ['key'],
  usage: '[--project <key>]',
  summary: 'Archive a flag: SDKs stop getting it, its settings are kept (undo with restore)',
  options: projectOptions(),
  async run(ctx) {
    const flag = await sendSettings(ctx, positional(ctx), { archived: true });
    output(
      ctx,
      flag,
      () =>
        `Archived flag ${flag.key}: SDKs no longer get it; "vexil flags restore ${flag.key}" brings it back\n`,
    );
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  writes: true,
  args: ['key'],
  usage: '[--project <key>]',
  summary: 'Restore an archived flag, with the targeting it had',
  options: projectOptions(),
  async run(ctx) {
    const flag = await sendSettings(ctx, positional(ctx), { archived: false });
    output(ctx, flag, () => `Restored flag ${flag.key}\n${flagDetails(flag)}`);
  },
};
