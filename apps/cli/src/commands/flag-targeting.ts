import { CliError, usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { Flag, FlagTargeting } from '../client/api-types.js';
import {
  apiClient,
  output,
  positional,
  projectOf,
  projectOptions,
  type Command,
  type CommandContext,
} from './command.js';
import { describeTargeting } from './flag-view.js';
import { parseWeights } from './weights.js';
import { requestCreated, type ChangeRequest } from './requests.js';

// Commands that change one environment's targeting of a flag. Each reads the flag, builds a
// JSON Patch, and sends it with If-Match set to the version it read, so a concurrent change
// makes the command fail (409) instead of being silently overwritten.

interface PatchOperation {
  readonly op: 'replace';
  readonly path: string;
  readonly value: unknown;
}

/** RFC 6901 escaping of one JSON Pointer segment. */
const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

async function changeTargeting(
  ctx: CommandContext,
  build: (flag: Flag, targeting: FlagTargeting, env: string) => PatchOperation[],
): Promise<{ flag: Flag; changed: boolean; env: string; requested?: boolean }> {
  const env = ctx.args.requireString('env');
  const client = apiClient(ctx);
  const path = apiPath('projects', projectOf(ctx), 'flags', positional(ctx));
  const read = await client.request<Flag>('GET', path);
  const targeting = read.body.environments[env];
  if (targeting === undefined) {
    throw new CliError(
      'API',
      `flag "${read.body.key}" is not served in environment "${env}" (it is in: ${Object.keys(read.body.environments).join(', ') || 'none'})`,
    );
  }
  const operations = build(read.body, targeting, env);
  if (operations.length === 0) return { flag: read.body, changed: false, env };
  const etag = read.headers.get('etag');
  const written = await client.request<Flag>('PATCH', path, {
    body: operations,
    contentType: 'application/json-patch+json',
    headers: etag === null ? {} : { 'if-match': etag },
  });
  if (written.status === 202) {
    // The environment requires approval: the change is a request, not applied yet.
    const request = written.body as unknown as ChangeRequest;
    output(ctx, request, () => requestCreated(request));
    return { flag: read.body, changed: false, env, requested: true };
  }
  return { flag: written.body, changed: true, env };
}

function summary(flag: Flag, env: string): string {
  return `${flag.key} in ${env}: ${describeTargeting(flag.environments[env]!, flag.variations)}\n`;
}

export const toggleCommand: Command = {
  name: 'toggle',
  writes: true,
  args: ['key'],
  usage: '--env <env> [--on|--off] [--project <key>]',
  summary: 'Turn targeting on or off in an environment (flips it without --on/--off)',
  options: projectOptions({
    env: { type: 'string' },
    on: { type: 'boolean' },
    off: { type: 'boolean' },
  }),
  async run(ctx) {
    const on = ctx.args.boolean('on');
    const off = ctx.args.boolean('off');
    if (on && off) throw usageError('give --on or --off, not both');
    const { flag, changed, env, requested } = await changeTargeting(
      ctx,
      (_flag, targeting, envKey) => {
        const wanted = on ? true : off ? false : !targeting.on;
        return wanted === targeting.on
          ? []
          : [{ op: 'replace', path: `/environments/${pointer(envKey)}/on`, value: wanted }];
      },
    );
    if (requested === true) return;
    output(ctx, flag, () => (changed ? '' : 'Unchanged: ') + summary(flag, env));
  },
};

export const rolloutCommand: Command = {
  name: 'rollout',
  writes: true,
  args: ['key'],
  usage: '--env <env> --weights 30,70 [--project <key>]',
  summary: 'Serve a percentage rollout over the variations when on (percentages adding to 100)',
  options: projectOptions({ env: { type: 'string' }, weights: { type: 'string' } }),
  async run(ctx) {
    const weights = parseWeights(ctx.args.requireString('weights', 'percentages'));
    const { flag, env, requested } = await changeTargeting(ctx, (current, _targeting, envKey) => {
      if (weights.length !== current.variations.length) {
        throw usageError(
          `flag "${current.key}" has ${current.variations.length} variations: give --weights one percentage per variation (got ${weights.length})`,
        );
      }
      const rollout = { variations: weights.map((weight, variation) => ({ variation, weight })) };
      return [
        { op: 'replace', path: `/environments/${pointer(envKey)}/fallthrough`, value: { rollout } },
      ];
    });
    if (requested === true) return;
    output(ctx, flag, () => summary(flag, env));
  },
};
