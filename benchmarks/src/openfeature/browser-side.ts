import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSkip, launchBrowser } from '@vexil/testkit/browser';
import { build } from 'vite';
import type { BenchPage, BrowserClientKind } from './page/entry.js';
import { TOGGLE, toggleLatencies, type BenchEnvironment } from './setup.js';

// Change-to-handler latency in Chromium, on a page served from another origin than Vexil's (so
// every request goes through CORS as on a customer's site): the Vexil web provider (pushed over
// the per-context stream), the OFREP web provider (told by OFREP's event stream, then polling)
// and LaunchDarkly's browser SDK (streaming), each on a fresh page.

const ENTRY = fileURLToPath(new URL('./page/entry.js', import.meta.url));
const HTML = `<!doctype html><html><head><meta charset="utf-8">
<script type="module" src="/page.js"></script></head><body></body></html>`;

const KINDS: readonly [BrowserClientKind, string][] = [
  ['launchdarkly', 'LaunchDarkly browser SDK (streaming)'],
  ['vexil', 'OpenFeature + Vexil web provider'],
  ['ofrep-sse', 'OpenFeature + OFREP web provider (OFREP event stream)'],
  ['ofrep-polling', 'OpenFeature + OFREP web provider (polling)'],
];

async function bundle(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-bench-page-'));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      root: dir,
      publicDir: false,
      build: {
        outDir: join(dir, 'out'),
        minify: true,
        lib: { entry: ENTRY, formats: ['es'], fileName: () => 'page.js' },
      },
    });
    return await readFile(join(dir, 'out', 'page.js'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type InPage = { bench: BenchPage };

export async function browserLatencies(
  baseUrl: string,
  env: BenchEnvironment,
  options: { changes: number; ofrepPollMs: number },
): Promise<[string, number[]][]> {
  const skip = browserSkip();
  if (skip !== undefined) {
    process.stderr.write(`browser runs skipped: ${skip}\n`);
    return [];
  }
  const script = await bundle();
  const server = createServer((req, res) => {
    if (req.url === '/page.js')
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await launchBrowser();
  const results: [string, number[]][] = [];
  try {
    for (const [kind, name] of KINDS) {
      const page = await browser.newPage();
      await page.goto(pageUrl);
      await page.waitForFunction(() => 'bench' in globalThis);
      const startOptions = {
        baseUrl,
        clientSideId: env.clientSideId,
        ofrepPollMs: options.ofrepPollMs,
        flag: TOGGLE,
      };
      await page.evaluate(([k, o]) => (globalThis as unknown as InPage).bench.start(k, o), [
        kind,
        startOptions,
      ] as const);
      const samples = await toggleLatencies(env, options.changes, {
        arm: (on) => page.evaluate((o) => (globalThis as unknown as InPage).bench.arm(o), on),
        seen: () => page.evaluate(() => (globalThis as unknown as InPage).bench.seen()),
      });
      results.push([name, samples]);
      await page.close();
    }
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
  return results;
}
