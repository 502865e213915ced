import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type EdgeMethod = 'GET' | 'POST' | 'REPORT' | 'OPTIONS' | 'HEAD';

/** What reads request headers: an IncomingMessage, or a StreamRequest. */
export interface WithHeaders {
  readonly headers: IncomingHttpHeaders;
}

/** A request served through node:http. */
export interface EdgeRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly url: URL;
}

/**
 * A request for a long-lived stream. It arrives either on the lean path (front-door.ts: the
 * socket, no IncomingMessage or ServerResponse) or through node:http (a REPORT stream, which has
 * a body); either way the stream's response is written straight to the socket (StreamConnection),
 * so both answer the same bytes.
 */
export interface StreamRequest extends WithHeaders {
  readonly method: string;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The connection; no response head has been written to it. */
  readonly socket: Socket;
  /** Headers every answer to this request carries, the stream's or an error (CORS). */
  readonly answerHeaders: Record<string, string>;
  /** The JSON body (REPORT streams): 415, 413 or 400 when it is not acceptable JSON. */
  readJson(limit: number): Promise<unknown>;
}

/** The URL of a request target, or undefined when it is none (e.g. `//[`). */
export function requestUrl(target: string): URL | undefined {
  try {
    return new URL(target, 'http://edge');
  } catch {
    return undefined;
  }
}

export type EdgeRoute = HttpRoute | StreamRoute;

interface RouteBase {
  readonly method: EdgeMethod;
  /** Template such as `/sdk/evalx/{envId}/contexts/{context}`; literal segments win over parameters. */
  readonly path: string;
  /**
   * Headers every answer to the route carries, refusals before its handler runs included (a
   * rate limit's 429): CORS, without which a browser cannot read the answer.
   */
  readonly answerHeaders?: (request: WithHeaders) => Record<string, string>;
}

export interface HttpRoute extends RouteBase {
  readonly handle: (request: EdgeRequest) => void | Promise<void>;
}

export interface StreamRoute extends RouteBase {
  readonly stream: (request: StreamRequest) => Promise<void>;
}

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  handlers: Map<string, EdgeRoute>;
}

const node = (): Node => ({ literal: new Map(), handlers: new Map() });

/** A segment trie: matching costs one map lookup per path segment, whatever the route count. */
export class EdgeRouter {
  private readonly root = node();

  constructor(routes: readonly EdgeRoute[]) {
    for (const route of routes) this.add(route);
  }

  private add(route: EdgeRoute): void {
    let current = this.root;
    for (const segment of route.path.split('/').slice(1)) {
      if (segment.startsWith('{')) {
        const name = segment.slice(1, -1);
        current.param ??= { name, node: node() };
        current = current.param.node;
      } else {
        let next = current.literal.get(segment);
        if (next === undefined) current.literal.set(segment, (next = node()));
        current = next;
      }
    }
    current.handlers.set(route.method, route);
  }

  /** The route for method and path, `methods` when only the method is wrong, or undefined. */
  match(
    method: string,
    pathname: string,
  ): { route: EdgeRoute; params: Record<string, string> } | { methods: string[] } | undefined {
    const segments = pathname.split('/').slice(1);
    const params: Record<string, string> = {};
    const found = this.walk(this.root, segments, 0, params);
    if (found === undefined) return undefined;
    const route = found.handlers.get(method);
    return route === undefined ? { methods: [...found.handlers.keys()] } : { route, params };
  }

  private walk(
    current: Node,
    segments: string[],
    i: number,
    params: Record<string, string>,
  ): Node | undefined {
    if (i === segments.length) return current.handlers.size > 0 ? current : undefined;
    const segment = segments[i]!;
    const literal = current.literal.get(segment);
    if (literal !== undefined) {
      const found = this.walk(literal, segments, i + 1, params);
      if (found !== undefined) return found;
    }
    if (current.param !== undefined && segment !== '') {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
      const found = this.walk(current.param.node, segments, i + 1, params);
      if (found !== undefined) {
        params[current.param.name] = value;
        return found;
      }
    }
    return undefined;
  }
}
