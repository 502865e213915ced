import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { attachFrontDoor, type FrontDoor, type FrontDoorOptions } from '@vexil/edge';
import { defaultRequestLimits } from '../src/http/request-reader.js';
import { responseHead } from '../src/http/response-head.js';
import { sseHeaders } from '../src/protocols/sse.js';
import { b64, synced } from './support/client-helpers.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';

// The front door (front-door.ts): SSE stream requests are served on the raw socket, everything
// else goes to node:http with every byte it read. Stream responses are the same bytes either
// way; node:http serves what it gets as if it had accepted the connection; no connection is
// ever reset without an HTTP answer: slow heads get 408, huge heads 431, and past the
// connection budget 503 + Retry-After.

const EDGE_TOKEN = 'vxl_edge_front_door_test';

/** One HTTP exchange on a fresh connection: the bytes received until `done` or the close. */
function exchange(
  port: number,
  request: string | Buffer | (string | Buffer)[],
  done: (received: string) => boolean = () => false,
  keepOpen = false,
): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      if (!keepOpen) socket.destroy();
      resolve({ text, socket });
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (done(text)) finish();
    });
    socket.on('close', finish);
    const parts = Array.isArray(request) ? request : [request];
    void (async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  });
}

/** A head and a first SSE event have arrived. */
const firstEvent = (text: string) => {
  const head = text.indexOf('\r\n\r\n');
  return head >= 0 && text.indexOf('\n\n', head + 4) >= 0;
};

/** `server` with a front door, listening on a free loopback port. */
async function listenBehindDoor(
  server: Server,
  options: FrontDoorOptions,
): Promise<{ door: FrontDoor; port: number }> {
  const door = attachFrontDoor(server, options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { door, port: (server.address() as AddressInfo).port };
}

function closeBehindDoor(server: Server, door: FrontDoor): void {
  door.close();
  server.closeAllConnections();
  server.close();
}

const withoutDate = (text: string) => text.replace(/\r\nDate: [^\r]+/, '\r\nDate: -');

describe('front door', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  /** The same edge behind a plain node:http server (no front door). */
  let plain: Server;
  let plainPort = 0;
  let leanPort = 0;

  before(async () => {
    edge = await startEdgeServer({ readyWaitMs: 200 });
    await edge.origin.addEdgeToken(EDGE_TOKEN);
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('checkout'));
    await synced(edge, env);
    leanPort = Number(new URL(edge.url).port);
    plain = createServer((req, res) => {
      if (!edge.edge.handle(req, res)) res.writeHead(404).end();
    });
    plain.on('upgrade', (req, socket, head) => {
      if (!edge.edge.handleUpgrade(req, socket, head)) socket.destroy();
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    plainPort = (plain.address() as AddressInfo).port;
  });
  after(async () => {
    plain.closeAllConnections();
    plain.close();
    await edge.close();
  });

  test('every stream route answers the same bytes on the lean path as through node:http', async () => {
    const context = b64({ kind: 'user', key: 'u1' });
    const cases: [string, string][] = [
      ['/all', `Authorization: ${env.sdkKey}`],
      ['/flags', `Authorization: api_key ${env.sdkKey}`],
      ['/sdk/stream', `Authorization: ${env.sdkKey}`],
      ['/sdk/stream?basis=nonsense', `Authorization: ${env.sdkKey}`],
      ['/vexil/v1/stream', `Authorization: ${env.sdkKey}`],
      ['/vexil/v1/stream', `Authorization: ${env.sdkKey}\r\nLast-Event-ID: ${env.seq - 1}`],
      [`/eval/${env.id}/${context}`, 'Origin: https://app.example'],
      [`/eval/${env.id}/${context}?withReasons=true`, ''],
      [`/meval/${context}`, `Authorization: ${env.mobileKey}`],
      [`/ping/${env.id}`, 'Origin: https://app.example'],
      ['/mping', `Authorization: ${env.mobileKey}`],
      ['/vexil/v1/relay', `Authorization: Bearer ${EDGE_TOKEN}`],
    ];
    for (const [path, headers] of cases) {
      const request = `GET ${path} HTTP/1.1\r\nHost: edge\r\n${headers}${headers === '' ? '' : '\r\n'}\r\n`;
      const lean = await exchange(leanPort, request, firstEvent);
      const viaHttp = await exchange(plainPort, request, firstEvent);
      assert.match(lean.text, /^HTTP\/1\.1 200 OK\r\n/, path);
      assert.equal(withoutDate(lean.text), withoutDate(viaHttp.text), `${path} ${headers}`);
    }
    await until(() => edge.edge.status().streams === 0, 5_000, 'streams closed');
  });

  test('stream errors have the same status, headers and body; the lean path then closes', async () => {
    const context = b64({ kind: 'user', key: 'u1' });
    const cases: [string, string, number][] = [
      ['/all', '', 401],
      ['/all', 'Authorization: sdk-unknown', 401],
      ['/all', `Authorization: ${env.sdkKey}\r\nLast-Event-ID: ${env.seq + 50}`, 503],
      [`/eval/unknown-env/${context}`, 'Origin: https://app.example', 404],
      [`/eval/${env.id}/not-a-context`, '', 400],
      ['/vexil/v1/relay', `Authorization: Bearer ${env.sdkKey}`, 401],
    ];
    const normalise = (text: string) =>
      withoutDate(text)
        .replace(/\r\nConnection: [^\r]+/i, '')
        .replace(/\r\nKeep-Alive: [^\r]+/i, '')
        .replace(/\r\nretry-after: \d+/, '\r\nretry-after: n');
    for (const [path, headers, status] of cases) {
      const request = `GET ${path} HTTP/1.1\r\nHost: edge\r\n${headers}${headers === '' ? '' : '\r\n'}\r\n`;
      const complete = (text: string) => {
        const m = /content-length: (\d+)/i.exec(text);
        const head = text.indexOf('\r\n\r\n');
        return m !== null && head >= 0 && text.length >= head + 4 + Number(m[1]);
      };
      const lean = await exchange(leanPort, request, complete);
      const viaHttp = await exchange(plainPort, request, complete);
      assert.match(lean.text, new RegExp(`^HTTP/1\\.1 ${status} `), path);
      assert.match(lean.text, /\r\nConnection: close\r\n/);
      assert.equal(normalise(lean.text), normalise(viaHttp.text), `${path} ${headers}`);
    }
  });

  test('a request that is not a stream reaches node:http with every byte, however it arrives', async () => {
    // A REPORT whose body comes in later packets than its head.
    const body = JSON.stringify({ kind: 'user', key: 'u1' });
    const head =
      `REPORT /sdk/evalx/${env.id}/context HTTP/1.1\r\nHost: edge\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const report = await exchange(leanPort, [head, body.slice(0, 5), body.slice(5)], (t) =>
      t.includes('"checkout"'),
    );
    assert.match(report.text, /^HTTP\/1\.1 200 OK/);
    // Two pipelined polls on one kept-alive connection; then HTTP/1.0.
    const poll = `GET /sdk/latest-flags/checkout HTTP/1.1\r\nHost: edge\r\nAuthorization: ${env.sdkKey}\r\n\r\n`;
    const pipelined = await exchange(
      leanPort,
      poll + poll,
      (t) => (t.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 2 && t.endsWith('}'),
    );
    assert.equal((pipelined.text.match(/"key":"checkout"/g) ?? []).length, 2);
    const old = await exchange(leanPort, poll.replace('HTTP/1.1', 'HTTP/1.0'));
    assert.match(old.text, /^HTTP\/1\.1 200 OK[\s\S]*"key":"checkout"/);
    // A bare LF head is outside the reader's subset: node:http answers it as it always has.
    const lf = await exchange(leanPort, 'GET /sdk/latest-all HTTP/1.1\nHost: edge\n\n');
    assert.match(lf.text, /^HTTP\/1\.1 (400|401) /);
    // WebSocket upgrades are node:http's.
    const ws = new WebSocket(`ws://127.0.0.1:${leanPort}/vexil/v1/ws?key=${env.sdkKey}`);
    const [message] = (await once(ws, 'message')) as [Buffer];
    assert.match(message.toString(), /"type":"put"/);
    ws.close();
  });

  test('a client that half-closes its stream ends it', async () => {
    const request = `GET /all HTTP/1.1\r\nHost: edge\r\nAuthorization: ${env.sdkKey}\r\n\r\n`;
    await until(() => edge.edge.status().streams === 0, 5_000, 'earlier streams closed');
    const { socket } = await exchange(leanPort, request, firstEvent, true);
    assert.equal(edge.edge.status().streams, 1);
    socket.end();
    await until(() => edge.edge.status().streams === 0, 5_000, 'the stream to end');
    socket.destroy();
  });
});

test("a stream's response head is node:http's, byte for byte", async () => {
  const cors = { 'access-control-allow-origin': 'https://app.example', vary: 'Origin' };
  const sse = sseHeaders('env-1');
  const server = createServer((_req, res) => {
    // What the edge did before the lean path: CORS set first, then the stream's head.
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    res.removeHeader('transfer-encoding');
    res.writeHead(200, sse);
    res.write('event: put\ndata: {}\n\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const { text } = await exchange(port, 'GET /all HTTP/1.1\r\nHost: edge\r\n\r\n', firstEvent);
    const ours = `${responseHead(200, { ...cors, ...sse }, Date.now(), 'keep-alive')}event: put\ndata: {}\n\n`;
    assert.equal(withoutDate(ours), withoutDate(text));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

describe('front door limits', () => {
  let server: Server;
  let door: FrontDoor;
  let port = 0;
  let clock = 1_000_000;
  const refused: string[] = [];

  before(async () => {
    server = createServer((_req, res) => res.end('ok'));
    ({ door, port } = await listenBehindDoor(server, {
      limits: { ...defaultRequestLimits, headTimeoutMs: 5_000 },
      maxConnections: 3,
      now: () => clock,
      onRefused: (reason) => refused.push(reason),
    }));
  });
  after(() => closeBehindDoor(server, door));

  test('a head not complete in time gets 408, then the connection closes', async () => {
    const pending = exchange(port, 'GET /all HTTP/1.1\r\nHost: edge\r\n');
    await until(() => door.connections === 1, 5_000, 'connected');
    door.expireHeads();
    clock += 4_999;
    door.expireHeads();
    assert.equal(door.connections, 1, 'still waiting within the limit');
    clock += 2;
    door.expireHeads();
    const { text } = await pending;
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*"code":"TIMEOUT"/);
    assert.match(text, /\r\nConnection: close\r\n/);
    assert.deepEqual(refused, ['head_timeout']);
  });

  test('a head larger than the limit gets 431', async () => {
    const huge = `GET / HTTP/1.1\r\nX-Pad: ${'a'.repeat(defaultRequestLimits.maxHeadBytes)}\r\n\r\n`;
    const { text } = await exchange(port, huge);
    assert.match(text, /^HTTP\/1\.1 431 /);
    assert.equal(refused.at(-1), 'head_too_large');
  });

  test('past the connection budget a new connection gets 503 + Retry-After, not a reset', async () => {
    await until(() => door.connections === 0, 5_000, 'earlier connections closed');
    const held = await Promise.all(
      [1, 2, 3].map(() =>
        exchange(port, 'GET / HTTP/1.1\r\nHost: edge\r\n\r\n', (t) => t.endsWith('ok'), true),
      ),
    );
    assert.equal(door.connections, 3);
    const { text } = await exchange(port, 'GET / HTTP/1.1\r\nHost: edge\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(text, /\r\nretry-after: [1-5]\r\n/);
    assert.equal(refused.at(-1), 'budget');
    held[0]!.socket.destroy();
    await until(() => door.connections === 2, 5_000, 'one closed');
    const again = await exchange(port, 'GET / HTTP/1.1\r\nHost: edge\r\n\r\n', (t) =>
      t.endsWith('ok'),
    );
    assert.match(again.text, /^HTTP\/1\.1 200 OK/);
    for (const h of held) h.socket.destroy();
  });
});

describe('connection time limits after the head', () => {
  let server: Server;
  let door: FrontDoor;
  let port = 0;

  before(async () => {
    // node:http sweeps its connections for overdue requests every connectionsCheckingInterval.
    server = createServer({ connectionsCheckingInterval: 50 }, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    // node:http ignores a request timeout shorter than its head timeout.
    ({ door, port } = await listenBehindDoor(server, {
      limits: { ...defaultRequestLimits, headTimeoutMs: 200 },
      timeouts: { requestMs: 400, keepAliveMs: 200 },
      maxConnections: 10,
      now: Date.now,
    }));
  });
  after(() => closeBehindDoor(server, door));

  test('a body that does not arrive in time gets 408 and the connection is closed', async () => {
    const { text, socket } = await exchange(
      port,
      'POST /bulk HTTP/1.1\r\nHost: edge\r\nContent-Length: 100\r\n\r\n{"partial":',
    );
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal(socket.destroyed, true);
    await until(() => door.connections === 0, 5_000, 'connection released');
  });

  test('an idle kept-alive connection is closed after its first request', async () => {
    const { text } = await exchange(port, 'GET / HTTP/1.1\r\nHost: edge\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    await until(() => door.connections === 0, 5_000, 'idle connection closed');
  });
});
