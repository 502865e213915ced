import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  defaultRequestLimits,
  RequestReader,
  type ReadResult,
  type RequestLimits,
} from '../src/http/request-reader.js';

// The lean path's request reader: it never throws and never holds more than its head limit
// plus one chunk, whatever bytes arrive; how bytes are split into chunks does not change what
// it reads; and what it reads of a head in its strict subset is what node:http reads.

const limits: RequestLimits = { ...defaultRequestLimits, maxHeadBytes: 2048, maxHeaders: 16 };

/** Feeds chunks until the reader decides; the sizes held along the way. */
function feed(chunks: readonly Uint8Array[], l = limits): { result: ReadResult; held: number[] } {
  const reader = new RequestReader(l);
  const held: number[] = [];
  let result: ReadResult = { kind: 'more' };
  for (const chunk of chunks) {
    result = reader.push(Buffer.from(chunk));
    held.push(reader.size - chunk.length);
    if (result.kind !== 'more') break;
  }
  return { result, held };
}

/** Splits bytes at the given cut points. */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return chunks;
}

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const path = fc.stringMatching(
  /^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]{0,40}(\?[A-Za-z0-9=&%]{0,20})?$/,
);
const header = fc.tuple(token, headerValue);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'REPORT', 'OPTIONS', 'HEAD'),
  path,
  version: fc.constantFrom('1.0', '1.1'),
  headers: fc.array(header, { maxLength: 10 }),
});

function bytesOf(r: {
  method: string;
  path: string;
  version: string;
  headers: [string, string][];
}) {
  const lines = [`${r.method} ${r.path} HTTP/${r.version}`, 'Host: edge'];
  for (const [name, value] of r.headers) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

describe('RequestReader', () => {
  test('never throws, and holds at most the head limit plus one chunk, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (chunks) => {
        const { held } = feed(chunks);
        for (const h of held) assert.ok(h <= limits.maxHeadBytes, `held ${h} before a chunk`);
      }),
      { numRuns: 500 },
    );
  });

  test('never throws on almost-HTTP: valid heads with bytes changed, inserted or cut', () => {
    fc.assert(
      fc.property(
        request,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (r, edits, cuts) => {
          const bytes = Buffer.from(bytesOf(r));
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const { result } = feed(split(bytes, cuts));
          assert.ok(['more', 'head', 'other', 'too-large'].includes(result.kind));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('how the bytes are split into chunks does not change the result', () => {
    fc.assert(
      fc.property(request, fc.array(fc.nat(), { maxLength: 12 }), (r, cuts) => {
        const bytes = bytesOf(r);
        assert.deepEqual(feed(split(bytes, cuts)).result, feed([bytes]).result);
      }),
      { numRuns: 500 },
    );
  });

  test('a head that does not end within the limit is too large, however it arrives', () => {
    const long = Buffer.from(`GET /all HTTP/1.1\r\nX-Pad: ${'a'.repeat(limits.maxHeadBytes)}`);
    assert.equal(feed([long]).result.kind, 'too-large');
    assert.equal(feed(split(long, [10, 100, 1000, 2040, 2047])).result.kind, 'too-large');
    const exact = Buffer.from(
      `GET / HTTP/1.1\r\nX: ${'a'.repeat(limits.maxHeadBytes - 23)}\r\n\r\n`,
    );
    assert.equal(exact.length, limits.maxHeadBytes);
    assert.equal(feed([exact]).result.kind, 'head');
  });

  test('outside the strict subset: node:http decides (other)', () => {
    const cases = [
      'GET /all HTTP/1.1\nHost: x\n\n', // bare LF
      'GET /all HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n', // obs-fold
      'GET /all HTTP/2.0\r\n\r\n',
      'GET http://edge/all HTTP/1.1\r\n\r\n', // absolute-form
      'G(T /all HTTP/1.1\r\n\r\n',
      'GET /a b HTTP/1.1\r\n\r\n',
      'GET /all HTTP/1.1\r\nBad Name: x\r\n\r\n',
      'GET /all HTTP/1.1\r\nX: a\x01b\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n',
    ];
    for (const text of cases)
      assert.equal(feed([Buffer.from(text, 'latin1')]).result.kind, 'other', JSON.stringify(text));
    const many = ['GET / HTTP/1.1', ...Array.from({ length: 17 }, (_, i) => `X-${i}: v`)];
    assert.equal(feed([Buffer.from(`${many.join('\r\n')}\r\n\r\n`)]).result.kind, 'other');
  });

  test('empty lines before the request line are skipped; repeated headers combine', () => {
    const { result } = feed([
      Buffer.from(
        '\r\nGET /all?x=1 HTTP/1.1\r\nAuthorization: first\r\nauthorization: second\r\n' +
          'Accept: a\r\nACCEPT:  b \r\nCookie: c=1\r\nCookie: d=2\r\n\r\nbody after',
      ),
    ]);
    assert.equal(result.kind, 'head');
    if (result.kind !== 'head') return;
    assert.equal(result.head.method, 'GET');
    assert.equal(result.head.target, '/all?x=1');
    assert.equal(result.head.version, '1.1');
    assert.deepEqual(
      { ...result.head.headers },
      {
        authorization: 'first',
        accept: 'a, b',
        cookie: 'c=1; d=2',
      },
    );
  });
});

describe('RequestReader against node:http', () => {
  let seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    res.end();
  });
  let port = 0;
  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  /** What node:http reads of the bytes (undefined when it does not call the handler). */
  async function nodeReads(bytes: Buffer) {
    seen = [];
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.end(bytes);
    socket.resume();
    await once(socket, 'close');
    return seen[0];
  }

  test('a head in the strict subset reads as node:http reads it', async () => {
    const samples = fc.sample(
      request.filter((r) => r.method !== 'POST' && r.method !== 'REPORT'),
      { numRuns: 80, seed: 42 },
    );
    for (const r of samples) {
      // Headers that frame a body would make node:http wait for one.
      const headers = r.headers.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n));
      const bytes = bytesOf({ ...r, headers });
      const ours = feed([bytes]).result;
      const theirs = await nodeReads(bytes);
      if (ours.kind !== 'head') {
        assert.fail(`the reader refused ${JSON.stringify(bytes.toString('latin1'))}`);
      }
      assert.ok(theirs, `node:http refused ${JSON.stringify(bytes.toString('latin1'))}`);
      assert.equal(ours.head.method, theirs.method);
      assert.equal(ours.head.target, theirs.url);
      assert.deepEqual({ ...ours.head.headers }, { ...theirs.headers });
    }
  });
});
