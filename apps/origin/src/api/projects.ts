import type { ProjectRecord } from '@vexil/store';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { read, requireProject, write, type ApiDeps } from './deps.js';
import { ref } from './schemas.js';

interface ProjectInput {
  key: string;
  name: string;
}

const project = (p: ProjectRecord) => ({ key: p.key, name: p.name, createdAt: p.createdAt });

const PROJECTS = '/api/v1/projects';
const PROJECT = `${PROJECTS}/{projectKey}` as const;

export function projectRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: PROJECTS,
      summary: 'List projects',
      tag: 'projects',
      role: 'reader',
      responses: {
        200: {
          description: 'projects',
          schema: {
            type: 'object',
            properties: { items: { type: 'array', items: ref('Project') } },
          },
        },
      },
      handle: () => listProjects(deps),
    }),
    defineRoute({
      method: 'POST',
      path: PROJECTS,
      summary: 'Create a project',
      tag: 'projects',
      role: 'admin',
      body: { schema: ref('ProjectInput') },
      responses: {
        201: { description: 'created', schema: ref('Project') },
        409: { description: 'the key is taken' },
      },
      handle: (ctx) => createProject(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: PROJECT,
      summary: 'Get a project',
      tag: 'projects',
      role: 'reader',
      responses: {
        200: { description: 'the project', schema: ref('Project') },
        404: { description: 'no such project' },
      },
      handle: (ctx) => getProject(deps, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: PROJECT,
      summary: 'Delete a project with its environments, flags and segments',
      tag: 'projects',
      role: 'admin',
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such project' } },
      handle: (ctx) => deleteProject(deps, ctx),
    }),
  ];
}

async function listProjects(deps: ApiDeps): Promise<Reply> {
  return { body: { items: (await read(() => deps.store.listProjects())).map(project) } };
}

async function createProject(
  deps: ApiDeps,
  { body, actor }: RouteContext<typeof PROJECTS>,
): Promise<Reply> {
  const input = body as ProjectInput;
  const taken = () =>
    new ApiError('CONFLICT', `project "${input.key}" already exists; choose another key`);
  const created = await write(deps, async (tx) => {
    if ((await tx.getProject(input.key)) !== undefined) throw taken();
    const record: ProjectRecord = { key: input.key, name: input.name, createdAt: deps.now() };
    // Insert-only: of two concurrent creates of one key, the unique index lets one win.
    await tx.createProject(record);
    await tx.appendAudit({
      at: record.createdAt,
      actor: actor.name,
      action: 'project.create',
      projectKey: record.key,
      resourceKind: 'project',
      resourceKey: record.key,
      before: null,
      after: project(record),
    });
    return record;
  });
  return { status: 201, body: project(created) };
}

async function getProject(
  deps: ApiDeps,
  { params: { projectKey } }: RouteContext<typeof PROJECT>,
): Promise<Reply> {
  return { body: project(await read(() => requireProject(deps.store, projectKey))) };
}

async function deleteProject(
  deps: ApiDeps,
  { params: { projectKey }, actor }: RouteContext<typeof PROJECT>,
): Promise<Reply> {
  await write(deps, async (tx) => {
    const record = await requireProject(tx, projectKey);
    await tx.deleteProject(record.key);
    await tx.appendAudit({
      at: deps.now(),
      actor: actor.name,
      action: 'project.delete',
      projectKey: record.key,
      resourceKind: 'project',
      resourceKey: record.key,
      before: project(record),
      after: null,
    });
  });
  deps.directoryChanged();
  return { status: 204 };
}
