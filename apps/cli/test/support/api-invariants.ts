import { Ajv, type ValidateFunction } from 'ajv';
import { checkFlag, checkSegment } from '@vexil/evaluation';
import { parseSdkData } from '@vexil/protocol';
import { rawRequest } from '@vexil/testkit';
import type { ApiClient } from './api-client.js';
import { seg, v1, type World, type WorldEnvironment } from './api-world.js';

// The invariant every stored item keeps, whatever was sent: valid for SDKs (its environment's
// export and the edge's payload parse, and agree), as the API documents it, and editable.

/** The response schemas of the served OpenAPI document, to hold what the API returns to them. */
export class DocumentSchemas {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(components: Readonly<Record<string, unknown>>) {
    this.ajv.addSchema({ $id: 'api', components: { schemas: components } });
  }

  /** What is wrong with `value` as a `name` (components/schemas), if anything. */
  problems(name: string, value: unknown): string[] {
    let validate = this.compiled.get(name);
    if (validate === undefined) {
      validate = this.ajv.getSchema(`api#/components/schemas/${name}`)!;
      this.compiled.set(name, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
  }
}

/**
 * Every stored item still valid for SDKs and editable, or the problems found: each environment's
 * export parses as SDK data and the edge serves the same items (same keys and versions) under
 * the environment's SDK key; every environment, flag, segment and filter is what the document
 * says the API returns; every environment takes a key rotation, every flag and segment a PATCH,
 * every filter a PUT.
 */
export async function invariantProblems(
  api: ApiClient,
  world: World,
  schemas: DocumentSchemas,
): Promise<string[]> {
  const problems: string[] = [];
  const documented = (name: string, items: readonly { doc: Record<string, unknown> }[]) => {
    for (const { doc } of items)
      for (const p of schemas.problems(name, doc))
        problems.push(`${name} ${String(doc['key'])} is not as documented: ${p}`);
  };
  documented('Flag', world.flags);
  documented('Segment', world.segments);
  documented('Filter', world.filters);
  documented('Environment', world.environments);
  for (const env of world.environments) {
    // Editable: a key rotation is an edit every environment takes (the SDK key stays, for the
    // edge's check below).
    const path = `${v1}/projects/${seg(env.projectKey)}/environments/${seg(env.key)}/keys/mobile/rotate`;
    const rotated = await api.call('POST', path, { expiresInSeconds: 60 });
    if (rotated.status !== 200)
      problems.push(`POST ${path}: ${rotated.status} ${rotated.text.slice(0, 300)}`);
    const exported = world.exports.get(`${env.projectKey}/${env.key}`);
    const parsed = parseSdkData(exported);
    if (!parsed.ok)
      problems.push(`export of ${env.projectKey}/${env.key}: ${parsed.error.message}`);
    const served = await edgeAgrees(api.url, env, exported);
    if (served !== undefined) problems.push(`edge, ${env.projectKey}/${env.key}: ${served}`);
  }
  for (const { projectKey, doc } of world.flags) {
    const path = `${v1}/projects/${seg(projectKey)}/flags/${seg(String(doc['key']))}`;
    // Its definition always; its targeting where the environment's item is sound. An imported
    // item SDKs accept although broken (MALFORMED_FLAG) takes only an edit that fixes it there.
    const sound = Object.entries(doc['environments'] as Record<string, { on: boolean }>).find(
      ([envKey]) => soundItem(world, projectKey, envKey, 'flags', String(doc['key'])),
    );
    const edits = [
      [{ op: 'replace', path: '/description', value: `checked ${String(doc['version'])}` }],
      ...(sound === undefined
        ? []
        : [[{ op: 'replace', path: `/environments/${sound[0]}/on`, value: !sound[1].on }]]),
    ];
    for (const ops of edits) {
      const res = await api.call('PATCH', path, ops);
      if (res.status !== 200)
        problems.push(
          `PATCH ${path} ${JSON.stringify(ops)}: ${res.status} ${res.text.slice(0, 300)}`,
        );
    }
  }
  for (const { projectKey, envKey, doc } of world.segments) {
    if (!soundItem(world, projectKey, envKey, 'segments', String(doc['key']))) continue;
    const path = `${v1}/projects/${seg(projectKey)}/environments/${seg(envKey)}/segments/${seg(String(doc['key']))}`;
    const ops = [{ op: 'replace', path: '/name', value: `checked ${String(doc['version'])}` }];
    const res = await api.call('PATCH', path, ops);
    if (res.status !== 200) problems.push(`PATCH ${path}: ${res.status} ${res.text.slice(0, 300)}`);
  }
  for (const { projectKey, doc } of world.filters) {
    const path = `${v1}/projects/${seg(projectKey)}/filters/${seg(String(doc['key']))}`;
    const { flagKeys, tags, name, description } = doc;
    const res = await api.call('PUT', path, { flagKeys, tags, name, description });
    if (res.status !== 200) problems.push(`PUT ${path}: ${res.status} ${res.text.slice(0, 300)}`);
  }
  return problems;
}

/** Whether the environment's exported item passes the evaluator's checks (not MALFORMED_FLAG). */
function soundItem(
  world: World,
  projectKey: string,
  envKey: string,
  kind: 'flags' | 'segments',
  key: string,
): boolean {
  const parsed = parseSdkData(world.exports.get(`${projectKey}/${envKey}`));
  if (!parsed.ok) return false;
  const flag = kind === 'flags' ? parsed.value.flags[key] : undefined;
  const segment = kind === 'segments' ? parsed.value.segments[key] : undefined;
  if (flag !== undefined) return checkFlag(flag).length === 0;
  return segment !== undefined && checkSegment(segment).length === 0;
}

/**
 * Undefined once the edge serves `exported`'s items (keys and versions) under the SDK key, as
 * SDK data its parsers accept; otherwise what differs after waiting for delivery.
 */
async function edgeAgrees(
  url: string,
  env: WorldEnvironment,
  exported: unknown,
): Promise<string | undefined> {
  const want = versions(exported);
  const deadline = Date.now() + 5_000;
  let last: string;
  for (;;) {
    const res = await rawRequest(url, {
      method: 'GET',
      path: '/sdk/latest-all',
      headers: { authorization: env.sdkKey },
    });
    if (res.status === 200) {
      const parsed = parseSdkData(JSON.parse(res.text));
      if (!parsed.ok) return `/sdk/latest-all does not parse: ${parsed.error.message}`;
      const got = versions(JSON.parse(res.text));
      if (got === want) return undefined;
      last = `serves ${got}, the export has ${want}`;
    } else {
      last = `/sdk/latest-all answered ${res.status} ${res.text.slice(0, 200)}`;
    }
    if (Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function versions(data: unknown): string {
  const { flags = {}, segments = {} } = data as Record<string, Record<string, { version: number }>>;
  const list = (items: Record<string, { version: number }>) =>
    Object.entries(items)
      .map(([k, v]) => `${k}@${v.version}`)
      .sort()
      .join(',');
  return `flags[${list(flags)}] segments[${list(segments)}]`;
}
