import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { skipOrFail } from './services.js';

// Debian's Chromium (scripts/bootstrap.mjs installs it; Playwright's own browser download
// cannot run on these machines) driven by playwright-core. A separate entry point
// (`@vexil/testkit/browser`) so that only browser tests load playwright-core.

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined; under CI=true a missing browser throws. */
export function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return skipOrFail(`${CHROMIUM} is missing (scripts/bootstrap.mjs installs Debian's chromium)`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

// A page for LaunchDarkly's browser SDK, served from the test's own HTTP server, that loads the
// SDK's bundle from node_modules. The page is on another port than the edge (or the cache), so
// every SDK request is cross-origin and goes through CORS as it would from a customer's site.

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
