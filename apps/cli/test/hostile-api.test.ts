import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Store } from '@vexil/store';
import { openPostgresStore } from '@vexil/store/postgres';
import { openSqliteStore } from '@vexil/store/sqlite';
import {
  answerProblems,
  dropSchema,
  freshSchemaName,
  rawRequest,
  serviceSkip,
  services,
  type RawRequest,
} from '@vexil/testkit';
import { operationsOf, requestArbitrary } from './support/api-requests.js';
import { ApiClient } from './support/api-client.js';
import { DocumentSchemas, invariantProblems } from './support/api-invariants.js';
import { readWorld, restoreReference } from './support/api-world.js';
import { startFullStack, type FullStack } from './support/full-stack.js';
import type { Schema } from './support/schema-arbitrary.js';

// Issue 14: hostile input to every route of the served OpenAPI document, property-based. For
// every generated request: no 5xx, a JSON error body with code and message for a 4xx, an answer
// within the deadline, nothing logged as an internal error; after every accepted write, and
// after each route's run, every stored item of the project is still valid for SDKs (its export
// and the edge's /sdk/latest-all parse, and agree) and still editable (a PATCH or PUT succeeds).
// Runs on SQLite and PostgreSQL. A failure prints fast-check's seed and the shrunk request;
// reproduce with VEXIL_FUZZ_SEED, widen with VEXIL_FUZZ_RUNS.

const SEED = Number(process.env['VEXIL_FUZZ_SEED'] ?? 1414);
const RUNS = Number(process.env['VEXIL_FUZZ_RUNS'] ?? 25);
const DEADLINE_MS = 5_000;
const ADMIN_NAME = 'full-stack admin';

interface StoreKind {
  readonly name: string;
  skip(): Promise<string | undefined>;
  open(): Promise<{ store: Store; remove: () => Promise<void> }>;
}

const kinds: StoreKind[] = [
  {
    name: 'SQLite',
    skip: () => Promise.resolve(undefined),
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'vexil-hostile-'));
      const store = await openSqliteStore({ path: join(dir, 'vexil.db') });
      return { store, remove: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: () => serviceSkip('postgres'),
    async open() {
      const schema = freshSchemaName('vexil_hostile');
      const store = await openPostgresStore({ url: services.postgres, schema });
      return { store, remove: () => dropSchema(schema) };
    },
  },
];

/** The project a request's path names, when it names one. */
function projectOf(path: string): string | undefined {
  const m = /^\/api\/v1\/projects\/([^/?]+)/.exec(path);
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

/** Sends one hostile request and throws what is wrong with the answer or what it left behind. */
async function check(
  stack: FullStack,
  api: ApiClient,
  schemas: DocumentSchemas,
  req: RawRequest,
  statuses: Map<number, number>,
): Promise<void> {
  const logged = stack.errors.length;
  const res = await rawRequest(stack.url, req, DEADLINE_MS);
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const problems = answerProblems(res);
  if (stack.errors.length > logged)
    problems.push(`the server logged an error: ${JSON.stringify(stack.errors.slice(logged))}`);
  if (problems.length === 0 && req.method !== 'GET' && res.status < 300) {
    const project = projectOf(req.path);
    if (project !== undefined)
      problems.push(
        ...(await invariantProblems(api, await readWorld(api, ADMIN_NAME, project), schemas)),
      );
  }
  if (problems.length > 0) throw new Error(`${res.status}: ${problems.join('\n')}`);
}

for (const kind of kinds) {
  test(`hostile requests to every route of the API (${kind.name})`, async (t) => {
    const skip = await kind.skip();
    if (skip !== undefined) return t.skip(skip);
    const { store, remove } = await kind.open();
    const stack = await startFullStack(store);
    try {
      const api = new ApiClient(stack.url, stack.adminToken);
      await restoreReference(api);
      const document = (await api.expect(200, 'GET', '/api/v1/openapi.json')).body;
      const components = document.components.schemas as Record<string, Schema>;
      const schemas = new DocumentSchemas(components);
      const operations = operationsOf(document);
      assert.ok(operations.length >= 30, `only ${operations.length} operations in the document`);
      t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs per route`);
      for (const op of operations) {
        await t.test(`${op.method} ${op.path}`, async (route) => {
          await restoreReference(api);
          const world = await readWorld(api, ADMIN_NAME);
          const requests = requestArbitrary(op, world, components, stack.adminToken);
          // What the requests got, to show they reach the handlers and not only the validation.
          const statuses = new Map<number, number>();
          await fc.assert(
            fc.asyncProperty(requests, (req) => check(stack, api, schemas, req, statuses)),
            { seed: SEED, numRuns: RUNS },
          );
          route.diagnostic(
            [...statuses]
              .sort((a, b) => a[0] - b[0])
              .map(([s, n]) => `${s}×${n}`)
              .join(' '),
          );
          const held = await readWorld(api, ADMIN_NAME);
          assert.deepEqual(await invariantProblems(api, held, schemas), []);
          assert.deepEqual(stack.errors, []);
        });
      }
    } finally {
      await stack.close();
      await remove();
    }
  });
}
