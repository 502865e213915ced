import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import {
  defineRoute,
  Router,
  type PathParamName,
  type RequestContext,
  type RouteContext,
} from '../src/http/router.js';

const FLAGS = '/api/v1/projects/{projectKey}/flags';
const FLAG = `${FLAGS}/{flagKey}` as const;

// Checked when the tests compile: a template's parameter names are exactly those in its braces.
type Expect<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type _Names = [
  Expect<Same<PathParamName<typeof FLAG>, 'projectKey' | 'flagKey'>>,
  Expect<Same<PathParamName<'/api/v1/projects'>, never>>,
];

function getFlag({ params }: RouteContext<typeof FLAG>) {
  return Promise.resolve({ body: { project: params.projectKey, flag: params.flagKey } });
}

const declaration = {
  method: 'GET',
  summary: 'Get a flag',
  tag: 'flags',
  role: 'reader',
  responses: { 200: { description: 'the flag' } },
} as const;

describe('router', () => {
  test('a handler gets its path parameters by the names of its template, decoded', async () => {
    const router = new Router([defineRoute({ ...declaration, path: FLAG, handle: getFlag })]);
    const match = router.match('GET', '/api/v1/projects/web/flags/new%20checkout');
    assert.ok(match !== undefined && 'route' in match);
    const ctx: RequestContext = {
      req: { headers: {} } as IncomingMessage,
      params: match.params,
      query: {},
      body: undefined,
      actor: { id: 't', name: 'test', role: 'reader' },
      requestId: 'r',
    };
    assert.deepEqual(await match.route.handle(ctx), {
      body: { project: 'web', flag: 'new checkout' },
    });
  });

  test('a handler written for another template is a compile error', () => {
    defineRoute({
      ...declaration,
      // @ts-expect-error -- getFlag reads {flagKey}, which this template does not have
      path: FLAGS,
      handle: getFlag,
    });
  });
});
