import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenRole } from '@vexil/store';
import type { JsonSchema } from './validation.js';

// The route table: each route declares its method, path template, required role and the
// schemas of its query, body and responses. The same declarations drive request validation
// and the OpenAPI document (openapi.ts). A route declared with defineRoute hands its handler the
// template's parameters by name, typed from the template itself.

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Actor {
  /** Token id, or `system` for work the server does itself. */
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
}

/**
 * The names in a path template's braces: `'/projects/{projectKey}/flags/{flagKey}'` gives
 * `'projectKey' | 'flagKey'`. A parameter is a whole segment, as `matchSegments` reads it.
 */
export type PathParamName<Path extends string> =
  Path extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParamName<Rest> : never;

/** The decoded path parameters of a route declared with template `Path`, by name. */
export type PathParams<Path extends string> = { readonly [Name in PathParamName<Path>]: string };

export interface RequestContext<Params = Readonly<Record<string, string>>> {
  readonly req: IncomingMessage;
  readonly params: Params;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly actor: Actor;
  readonly requestId: string;
}

export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A streamed answer (the event stream, api/events.ts): called instead of sending `body`, it
   * writes the response itself and resolves once the response is over. It may throw an ApiError
   * before it has written anything, which is answered as any other.
   */
  readonly stream?: (res: ServerResponse) => Promise<void>;
}

/** What a handler of the route declared with template `Path` is given. */
export type RouteContext<Path extends string> = RequestContext<PathParams<Path>>;

/** A route as the router and the OpenAPI document see it, whatever its parameters. */
export interface Route<Path extends string = string, Context = RequestContext> {
  readonly method: Method;
  /** Template such as `/api/v1/projects/{projectKey}`. */
  readonly path: Path;
  readonly summary: string;
  readonly tag: string;
  /** Least role allowed to call the route. */
  readonly role: TokenRole;
  readonly query?: Readonly<Record<string, JsonSchema & { description: string }>>;
  readonly body?: {
    readonly schema: JsonSchema;
    readonly mediaTypes?: readonly string[];
    /** Bytes; default 1 MiB. */
    readonly limit?: number;
    /** An empty body is allowed (and reaches the handler as undefined). */
    readonly optional?: boolean;
  };
  readonly responses: Readonly<
    Record<
      number,
      {
        readonly description: string;
        readonly schema?: JsonSchema;
        /** The schema's media type in the OpenAPI document (default application/json). */
        readonly mediaType?: string;
      }
    >
  >;
  readonly handle: (ctx: Context) => Promise<Reply>;
}

/** A route whose handler gets its path parameters by name: `params.flagKey` for `{flagKey}`. */
export function defineRoute<const Path extends string>(
  route: Route<Path, RouteContext<Path>>,
): Route {
  // The router hands a route only the parameters it matched against this very template, so
  // the record has exactly the names PathParams lists.
  return { ...route, handle: (ctx) => route.handle(ctx as RouteContext<Path>) };
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(readonly routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split('/').slice(1) }));
  }

  /** The route for method + path; `methods` lists what the path allows when none matches. */
  match(method: string, pathname: string): RouteMatch | { methods: Method[] } | undefined {
    const parts = pathname.split('/').slice(1);
    const methods: Method[] = [];
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts);
      if (params === undefined) continue;
      if (route.method === method) return { route, params };
      methods.push(route.method);
    }
    return methods.length > 0 ? { methods } : undefined;
  }
}

function matchSegments(
  template: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const p = parts[i]!;
    if (t.startsWith('{') && t.endsWith('}')) {
      if (p === '') return undefined;
      try {
        params[t.slice(1, -1)] = decodeURIComponent(p);
      } catch {
        return undefined;
      }
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}
