import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// An HTTP proxy between an SDK and an edge that records each exchange (what the SDK asked, what
// the edge answered, streams included), can cut every client connection, and can be pointed at
// another edge: to the SDK that is one address whose edge restarts.

export interface Exchange {
  /** The edge that answered. */
  readonly target: string;
  readonly method: string;
  readonly url: URL;
  status: number;
  /** The response body so far (streams grow). */
  body: string;
}

export interface RecordingProxy {
  readonly url: string;
  target: string;
  readonly exchanges: Exchange[];
  /** Destroys every client connection, as a network failure would. */
  cut(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const sockets = new Set<Socket>();
  const exchanges: Exchange[] = [];
  const proxy = { target };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', proxy.target);
    const exchange: Exchange = {
      target: proxy.target,
      method: req.method ?? 'GET',
      url,
      status: 0,
      body: '',
    };
    exchanges.push(exchange);
    const upstream = request(
      url,
      { method: exchange.method, headers: endToEnd(req.headers), agent: false },
      (up) => {
        exchange.status = up.statusCode ?? 0;
        res.writeHead(exchange.status, endToEnd(up.headers));
        res.flushHeaders();
        up.setEncoding('utf8');
        up.on('data', (chunk: string) => {
          exchange.body += chunk;
          res.write(chunk);
        });
        up.on('end', () => res.end());
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get target() {
      return proxy.target;
    },
    set target(next: string) {
      proxy.target = next;
    },
    exchanges,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
