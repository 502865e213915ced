import type { IncomingMessage, ServerResponse } from 'node:http';

export type EdgeMethod = 'GET' | 'POST' | 'REPORT' | 'OPTIONS' | 'HEAD';

export interface EdgeRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly url: URL;
}

export interface EdgeRoute {
  readonly method: EdgeMethod;
  /** Template such as `/sdk/evalx/{envId}/contexts/{context}`; literal segments win over parameters. */
  readonly path: string;
  readonly handle: (request: EdgeRequest) => void | Promise<void>;
}

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  handlers: Map<string, EdgeRoute['handle']>;
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
    current.handlers.set(route.method, route.handle);
  }

  /** The handler for method and path, `methods` when only the method is wrong, or undefined. */
  match(
    method: string,
    pathname: string,
  ):
    | { handle: EdgeRoute['handle']; params: Record<string, string> }
    | { methods: string[] }
    | undefined {
    const segments = pathname.split('/').slice(1);
    const params: Record<string, string> = {};
    const found = this.walk(this.root, segments, 0, params);
    if (found === undefined) return undefined;
    const handle = found.handlers.get(method);
    return handle === undefined ? { methods: [...found.handlers.keys()] } : { handle, params };
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
