import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:https';
import { createServer, type Server } from 'node:https';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { attachFrontDoor, defaultRequestLimits, type FrontDoor } from '@vexil/edge';
import { generateCertificates, opensslSkip, until, type TestCertificates } from '@vexil/testkit';

// The front door on an HTTPS server (node:https): it reads request heads from the decrypted
// socket once the handshake is done, claims lean requests there and hands the rest to node:http;
// the connection budget counts raw connections, handshakes included; a handshake that never
// finishes is cut by the server's handshakeTimeout and counted.

const skip = opensslSkip();

describe('front door over TLS', { skip }, () => {
  let certs: TestCertificates;
  let ca: string;
  let server: Server;
  let door: FrontDoor;
  let port = 0;
  let clock = 1_000_000;
  const refused: string[] = [];
  /** Sockets the lean path claimed: what it got is a decrypted TLS socket. */
  const claimed: Socket[] = [];

  before(async () => {
    certs = await generateCertificates();
    ca = certs.pem(certs.ca);
    server = createServer(
      {
        cert: certs.pem(certs.server.cert),
        key: certs.pem(certs.server.key),
        handshakeTimeout: 300,
      },
      (req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (d: string) => (body += d));
        req.on('end', () => res.end(`node:http ${req.method} ${req.url} ${body}`));
      },
    );
    door = attachFrontDoor(server, {
      limits: { ...defaultRequestLimits, headTimeoutMs: 5_000 },
      maxConnections: 3,
      now: () => clock,
      onRefused: (reason) => refused.push(reason),
    });
    door.setClaim((head, socket) => {
      if (head.target !== '/stream') return false;
      claimed.push(socket);
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: put\ndata: {}\n\n',
      );
      return true;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    door?.close();
    server?.closeAllConnections();
    server?.close();
    await certs?.remove();
  });

  /** A TLS connection trusting `trusted`; the bytes received until `done` or the close. */
  function exchange(
    text: string,
    done: (received: string) => boolean,
    trusted = ca,
  ): Promise<{ text: string; socket: TLSSocket }> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port, ca: trusted }, () => socket.write(text));
      let received = '';
      const finish = () => resolve({ text: received, socket });
      socket.on('error', reject);
      socket.setEncoding('utf8').on('data', (d: string) => {
        received += d;
        if (done(received)) finish();
      });
      socket.on('close', finish);
    });
  }

  test('a lean request is claimed on the decrypted socket', async () => {
    const { text, socket } = await exchange('GET /stream HTTP/1.1\r\nHost: edge\r\n\r\n', (t) =>
      t.includes('\n\n', t.indexOf('\r\n\r\n') + 4),
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*event: put\ndata: \{\}\n\n$/);
    assert.equal((claimed.at(-1) as TLSSocket).encrypted, true);
    socket.destroy();
  });

  test('anything else goes to node:http with the bytes read, keep-alive included', async () => {
    const post = 'POST /api HTTP/1.1\r\nHost: edge\r\nContent-Length: 5\r\n\r\nhello';
    const get = 'GET /api/again HTTP/1.1\r\nHost: edge\r\n\r\n';
    const { text, socket } = await exchange(post + get, (t) => t.includes('/api/again'));
    assert.match(text, /node:http POST \/api hello/);
    assert.match(text, /node:http GET \/api\/again/);
    socket.destroy();
  });

  test('a request node:http cannot parse gets its JSON answer over TLS', async () => {
    const { text, socket } = await exchange('GET / HTTP/1.1\r\nNot a header\r\n\r\n', (t) =>
      t.includes('}'),
    );
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"code":"BAD_REQUEST"/);
    socket.destroy();
  });

  test('a client that does not trust the CA gets no answer: the handshake fails', async () => {
    await assert.rejects(
      exchange('GET /stream HTTP/1.1\r\n\r\n', () => true, certs.pem(certs.otherCa)),
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    );
  });

  test('node:https requests with the CA work (ALPN http/1.1)', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/x', ca, agent: false }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (d: string) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'node:http GET /x ');
  });

  test('a head not complete in time gets 408 over TLS', async () => {
    await until('earlier connections closed', () => door.connections === 0, 5_000);
    // The head's time starts once the handshake is done: the front door's own listener for
    // that event runs before this one.
    const admitted = once(server, 'secureConnection');
    const pending = exchange('GET /stream HTTP/1.1\r\nHost: edge\r\n', () => false);
    await admitted;
    clock += 5_001;
    door.expireHeads();
    const { text } = await pending;
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal(refused.at(-1), 'head_timeout');
  });

  test('a connection that never finishes its handshake is closed and counted', async () => {
    await until('earlier connections closed', () => door.connections === 0, 5_000);
    const raw = connectTcp(port, '127.0.0.1');
    await until('the raw connection counted', () => door.connections === 1, 5_000);
    await once(raw, 'close');
    await until('released', () => door.connections === 0, 5_000);
    assert.equal(refused.at(-1), 'handshake_timeout');
  });

  test('the budget counts raw connections; past it a TLS client gets 503 over TLS', async () => {
    await until('earlier connections closed', () => door.connections === 0, 5_000);
    const held = await Promise.all(
      [1, 2, 3].map(() =>
        exchange('GET /stream HTTP/1.1\r\nHost: edge\r\n\r\n', (t) => t.endsWith('\n\n')),
      ),
    );
    assert.equal(door.connections, 3);
    const { text } = await exchange('GET /stream HTTP/1.1\r\nHost: edge\r\n\r\n', () => false);
    assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(text, /\r\nretry-after: [1-5]\r\n/);
    assert.equal(refused.at(-1), 'budget');
    for (const h of held) h.socket.destroy();
    await until('released', () => door.connections === 0, 5_000);
  });
});
