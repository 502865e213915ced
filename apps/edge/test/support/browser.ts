import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A real browser for the browser-SDK tests (@vexil/testkit/browser) and a page
// served from the test's own HTTP server that loads LaunchDarkly's browser SDK bundle from
// node_modules. The page is on another port than the edge, so every SDK request is cross-origin
// and goes through CORS as it would from a customer's site.

export { browserSkip, launchBrowser } from '@vexil/testkit/browser';

const SDK_BUNDLE = join(
  dirname(fileURLToPath(import.meta.resolve('launchdarkly-js-client-sdk'))),
  'ldclient.min.js',
);

// The page keeps one client per name; tests drive it with page.evaluate and wait on
// page.waitForFunction, never on timers.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>vexil browser SDK test</title>
<script src="/ldclient.min.js"></script>
<script>
  window.clients = {};
  window.start = async (name, envId, context, options) => {
    const client = LDClient.initialize(envId, context, {
      ...options,
      logger: LDClient.basicLogger({ level: 'none' }),
    });
    window.clients[name] = client;
    await client.waitForInitialization(10);
    return client.allFlags();
  };
  window.value = (name, key) => window.clients[name].variation(key, 'fallback');
</script></head><body></body></html>`;

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const bundle = readFileSync(SDK_BUNDLE);
  const server: Server = createServer((req, res) => {
    if (req.url === '/ldclient.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
