import { isDeepStrictEqual } from 'node:util';
import type { FlagRecord, FlagVariation } from '@vexil/store';
import { commitFlag } from '../domain/commit.js';
import { flagRepresentation } from '../domain/flag-model.js';
import { assertNotPrerequisite, assertValidFlag } from '../domain/flag-validation.js';
import {
  assertRemovedUnused,
  matchVariations,
  prerequisiteUses,
  remapTargeting,
  targetingUses,
  type VariationEdit,
  type VariationMap,
} from '../domain/variation-usage.js';
import { validationFailed } from '../http/api-error.js';
import {
  defineRoute,
  type Actor,
  type Reply,
  type Route,
  type RouteContext,
} from '../http/router.js';
import {
  etag,
  ifMatchVersion,
  loadForWrite,
  lockEnvironments,
  lockFlags,
  requireProject,
  write,
  type ApiDeps,
} from './deps.js';
import { ref } from './schemas.js';

// A flag's settings as people edit them: name, description, tags, temporary, archived, and its
// variations by identity. Where JSON Patch moves variations by position (and is refused when
// that would leave targeting pointing at another variation), this route moves every index with
// its variation: the targeting of every environment and the prerequisites other flags have on
// it. A variation still in use cannot be removed: the 409 names each place that uses it.

const SETTINGS = '/api/v1/projects/{projectKey}/flags/{flagKey}/settings';

export interface FlagSettingsInput {
  name?: string;
  description?: string;
  tags?: string[];
  temporary?: boolean;
  archived?: boolean;
  variations?: VariationEdit[];
}

const FIELDS = ['name', 'description', 'tags', 'temporary', 'archived', 'variations'] as const;

export function flagSettingsRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'PATCH',
      path: SETTINGS,
      summary:
        'Edit a flag\'s name, description, tags, temporary, archived and variations; variations are matched by `from` (or equal value), so targeting and prerequisites follow them. If-Match: "<version>" makes it conditional',
      tag: 'flags',
      role: 'writer',
      body: {
        schema: ref('FlagSettingsInput'),
        mediaTypes: ['application/json', 'application/merge-patch+json'],
      },
      responses: {
        200: { description: 'the updated flag; ETag is its version', schema: ref('Flag') },
        400: {
          description: 'invalid settings or a resulting flag that is invalid',
          schema: ref('Error'),
        },
        404: { description: 'no such project or flag' },
        409: {
          description:
            'a removed variation is still in use (the message names where), archiving a prerequisite of other flags, or If-Match version mismatch',
          schema: ref('Error'),
        },
      },
      handle: (ctx) => editSettings(deps, ctx),
    }),
  ];
}

async function editSettings(
  deps: ApiDeps,
  { params: { projectKey, flagKey }, body, actor, req }: RouteContext<typeof SETTINGS>,
): Promise<Reply> {
  const input = body as FlagSettingsInput;
  if (FIELDS.every((f) => input[f] === undefined)) {
    throw validationFailed([{ path: '', message: `give at least one of ${FIELDS.join(', ')}` }]);
  }
  const expected = ifMatchVersion(req);
  const representation = await write(deps, async (tx, changed) => {
    await requireProject(tx, projectKey);
    const name = { what: `flag "${flagKey}"`, in: `project "${projectKey}"` };
    let before: FlagRecord;
    let projectFlags: FlagRecord[];
    if (
      input.variations !== undefined ||
      input.tags !== undefined ||
      input.archived !== undefined
    ) {
      // Tags and archived move the flag in and out of payload filters (commitFilter); new
      // variation indices rewrite the prerequisites of other flags: every flag is locked.
      await lockEnvironments(tx, projectKey);
      projectFlags = await lockFlags(tx, projectKey);
      before = await loadForWrite(
        Promise.resolve(projectFlags.find((f) => f.key === flagKey)),
        name,
        expected,
      );
    } else {
      before = await loadForWrite(tx.getFlagForUpdate(projectKey, flagKey), name, expected);
      projectFlags = await tx.listFlags(projectKey);
    }
    const envKeys = (await tx.listEnvironments(projectKey)).map((e) => e.key);
    const after: FlagRecord = {
      ...before,
      name: input.name ?? before.name,
      description: input.description ?? before.description,
      tags: input.tags ?? before.tags,
      temporary: input.temporary ?? before.temporary,
      archived: input.archived ?? before.archived,
      // commitFlag sets the new versions on the targeting it is given: never on `before`'s.
      environments: structuredClone(before.environments),
    };
    let dependents: { before: FlagRecord; after: FlagRecord }[] = [];
    if (input.variations !== undefined) {
      const map = matchVariations(before.variations, input.variations);
      const uses = [
        ...Object.entries(before.environments).flatMap(([envKey, t]) =>
          targetingUses(t, envKey, { ignoreEmpty: true }),
        ),
        ...prerequisiteUses(before.key, projectFlags),
      ];
      assertRemovedUnused(before, map, uses);
      after.variations = input.variations.map(variationOf);
      after.environments = Object.fromEntries(
        Object.entries(before.environments).map(([envKey, t]) => [envKey, remapTargeting(t, map)]),
      );
      dependents = remapDependents(before.key, projectFlags, map);
    }
    if (sameSettings(before, after)) return flagRepresentation(before, envKeys);
    if (after.archived && !before.archived) {
      assertNotPrerequisite(
        before.key,
        projectFlags.filter((f) => !f.archived),
        'archive',
      );
    }
    const remapped = new Map(dependents.map((d) => [d.after.key, d.after]));
    const others = projectFlags.map((f) => remapped.get(f.key) ?? f);
    assertValidFlag(after, others, before);
    const now = deps.now();
    const result = await commitFlag(
      tx,
      projectKey,
      before,
      after,
      meta(actor, action(before, after), now),
    );
    result.environmentIds.forEach((id) => changed.add(id));
    for (const d of dependents) {
      const dependent = await commitFlag(
        tx,
        projectKey,
        d.before,
        d.after,
        meta(actor, 'flag.update', now),
      );
      dependent.environmentIds.forEach((id) => changed.add(id));
    }
    return flagRepresentation(after, envKeys);
  });
  return { body: representation, headers: etag(representation['version'] as number) };
}

function variationOf(edit: VariationEdit): FlagVariation {
  return {
    value: edit.value,
    ...(edit.name === undefined || edit.name === '' ? {} : { name: edit.name }),
    ...(edit.description === undefined || edit.description === ''
      ? {}
      : { description: edit.description }),
  };
}

/** Other flags whose prerequisites on `flagKey` name a variation that moved, rewritten. */
function remapDependents(
  flagKey: string,
  projectFlags: readonly FlagRecord[],
  map: VariationMap,
): { before: FlagRecord; after: FlagRecord }[] {
  const out: { before: FlagRecord; after: FlagRecord }[] = [];
  for (const flag of projectFlags) {
    if (flag.key === flagKey) continue;
    let moved = false;
    const environments = Object.fromEntries(
      Object.entries(flag.environments).map(([envKey, t]) => [
        envKey,
        {
          ...t,
          prerequisites: t.prerequisites.map((p) => {
            const to = p.key === flagKey ? map[p.variation] : undefined;
            if (to === undefined || to === p.variation) return p;
            moved = true;
            return { ...p, variation: to };
          }),
        },
      ]),
    );
    if (moved) out.push({ before: flag, after: { ...flag, environments } });
  }
  return out;
}

function sameSettings(a: FlagRecord, b: FlagRecord): boolean {
  return isDeepStrictEqual({ ...a, version: 0 }, { ...b, version: 0 });
}

function action(before: FlagRecord, after: FlagRecord): string {
  if (after.archived === before.archived) return 'flag.update';
  return after.archived ? 'flag.archive' : 'flag.restore';
}

function meta(actor: Actor, action: string, now: number) {
  return { actor: actor.name, action, now };
}
