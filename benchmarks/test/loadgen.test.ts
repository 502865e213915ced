import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { LoadGenerator } from '../src/fanout/load-generator.js';
import { nowMicros } from '../src/fanout/processes.js';

// The fan-out benchmark's C load generator must read SSE the way SDKs do, whatever the framing:
// chunked or not, CRLF or LF line ends, events split across reads at any byte (inside the marker
// too), and refused streams counted, not fatal. No timing here: speed is for the benchmark.

const hasCompiler = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const STREAMS = 12;
const PATCH = (marker: number, eol: string) =>
  `id: ${marker}${eol}event: patch${eol}data: {"path":"/flags/x","data":{"values":["vexilmark-${marker}"],"v":"vv"}}${eol}${eol}`;

describe('load generator', { skip: !hasCompiler && 'no C compiler' }, () => {
  let server: Server;
  let port = 0;
  const streams: { res: ServerResponse; chunked: boolean; eol: string }[] = [];
  let served = 0;

  before(async () => {
    server = createServer((req, res) => {
      served++;
      // Every fourth stream is turned away, as an edge at its cap does.
      if (served % 4 === 0) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"code":"OVERLOADED"}');
        return;
      }
      const chunked = served % 2 === 0;
      const eol = served % 3 === 0 ? '\r\n' : '\n';
      if (chunked) res.writeHead(200, { 'content-type': 'text/event-stream' });
      else {
        // Identity framing, delimited by the connection's end (as Vexil's edge and nchan send).
        res.useChunkedEncodingByDefault = false;
        res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' });
      }
      res.flushHeaders();
      res.write(`:hi${eol}${eol}id: 1${eol}event: put${eol}data: {"vexilmark-0":1}${eol}${eol}`);
      streams.push({ res, chunked, eol });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('counts puts, refusals and every marked event, split at any byte', async () => {
    const load = LoadGenerator.start({
      streams: STREAMS,
      requests: [{ port, path: '/all', headers: ['Authorization: sdk-test'] }],
      connectWindow: 4,
      reconnect: false,
      maxMarkers: 16,
      maxSeconds: 60,
    });
    try {
      assert.ok(
        await load.waitFor(
          (s) => s.started === s.target && s.connecting === 0 && s.synced === s.open,
          10_000,
        ),
      );
      const connected = load.status();
      assert.equal(connected.synced, 9);
      assert.equal(connected.refused, 3);

      for (const marker of [3, 4]) {
        const sent = nowMicros();
        load.tell(marker, sent);
        for (const { res, eol } of streams) {
          const bytes = Buffer.from(PATCH(marker, eol) + PATCH(marker + 10, eol));
          // Seven bytes per write, so that events and markers are split across reads.
          for (let i = 0; i < bytes.length; i += 7) res.write(bytes.subarray(i, i + 7));
        }
        assert.ok(await load.waitFor(() => (load.markerCount(marker) ?? 0) === 9, 10_000));
      }
      const { byMarker, unannounced } = await load.histograms();
      assert.equal(byMarker.get(3)?.count, 9);
      assert.equal(byMarker.get(4)?.count, 9);
      assert.equal(byMarker.get(0), undefined, 'a marker inside a put is not a delivery');
      // Markers 13 and 14 were delivered but never announced with a send time.
      assert.equal(unannounced, 18);
      assert.ok(byMarker.get(3)!.max < 10_000_000);
    } finally {
      await load.close();
    }
  });
});
