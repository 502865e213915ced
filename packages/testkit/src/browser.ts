import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
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

/** Serves `/` and the files of `files` (path -> JavaScript) from a port of its own. */
async function servePage(
  html: string,
  files: Readonly<Record<string, Buffer>>,
): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const file = req.url === undefined ? undefined : files[req.url];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(file);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      res.writeHead(404).end();
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

export function startPageServer(): Promise<PageServer> {
  return servePage(PAGE, { '/ldclient.min.js': readFileSync(SDK_BUNDLE) });
}

/**
 * A page for a test's own script: `entry` (a built JavaScript module that imports what it needs,
 * an OpenFeature provider say) bundled by Vite as a customer's build would, and served as
 * `/page.js` by a page that loads it, on a port of its own: another origin than the server the
 * page talks to, so every request goes through CORS.
 */
export async function startBundledPage(entry: string): Promise<PageServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-page-'));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      root: dir,
      publicDir: false,
      build: {
        outDir: join(dir, 'out'),
        minify: true,
        lib: { entry, formats: ['es'], fileName: () => 'page.js' },
      },
    });
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>vexil test page</title>
<script type="module" src="/page.js"></script></head><body></body></html>`;
    return await servePage(html, { '/page.js': await readFile(join(dir, 'out', 'page.js')) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
