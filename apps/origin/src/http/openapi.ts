import { MAX_COMMENT_LENGTH } from './audit-comment.js';
import type { Route } from './router.js';
import type { JsonSchema } from './validation.js';

/** Every write takes an optional comment for its audit entries (audit-comment.ts). */
const COMMENT_PARAMETER = {
  name: 'X-Vexil-Comment',
  in: 'header',
  required: false,
  description: `why the change is made, kept in its audit entries: percent-encoded UTF-8 (as encodeURIComponent writes it), at most ${MAX_COMMENT_LENGTH} characters, no control characters`,
  schema: { type: 'string' },
};

/** The OpenAPI 3.1 document of the API, generated from the route table and its schemas. */
export function openApiDocument(
  routes: readonly Route[],
  components: Readonly<Record<string, JsonSchema>>,
  version: string,
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(route.query ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        description: schema.description,
        schema,
      })),
      ...(route.method === 'GET' ? [] : [COMMENT_PARAMETER]),
    ];
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      operationId: operationId(route),
      'x-required-role': route.role,
      parameters,
      responses: Object.fromEntries(
        Object.entries({
          ...route.responses,
          401: {
            description: 'missing or unknown token',
            schema: { $ref: '#/components/schemas/Error' },
          },
        }).map(([status, r]) => [
          status,
          r.schema === undefined
            ? { description: r.description }
            : {
                description: r.description,
                content: {
                  [(r as { mediaType?: string }).mediaType ?? 'application/json']: {
                    schema: r.schema,
                  },
                },
              },
        ]),
      ),
    };
    if (route.body !== undefined) {
      operation['requestBody'] = {
        required: route.body.optional !== true,
        content: Object.fromEntries(
          (route.body.mediaTypes ?? ['application/json']).map((t) => [
            t,
            { schema: route.body!.schema },
          ]),
        ),
      };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vexil control-plane API',
      version,
      description:
        'Projects, environments and their SDK keys, flags (LaunchDarkly shape, JSON Patch with If-Match), segments, import/export in LaunchDarkly SDK data format, audit log and API tokens. Authenticate with "Authorization: Bearer <token>"; roles reader < writer < admin.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

/**
 * `getProjects`, `getProject`, `patchProjectFlag`...: the method, then each literal path segment,
 * singular when a parameter follows it (one item of the collection), so every route gets its own.
 */
function operationId(route: Route): string {
  const segments = route.path.replace('/api/v1/', '').split('/');
  const words = segments.flatMap((s, i) => {
    if (s.startsWith('{')) return [];
    const one = segments[i + 1]?.startsWith('{') === true && s.endsWith('s');
    return [one ? s.slice(0, -1) : s];
  });
  return [
    route.method.toLowerCase(),
    ...words.map((w) => w.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())),
  ].join('');
}
