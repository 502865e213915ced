import { fileURLToPath } from 'node:url';
import { browserSkip, launchBrowser, startBundledPage } from '@vexil/testkit/browser';
import type { BenchPage, BrowserClientKind } from './page/entry.js';
import { TOGGLE, toggleLatencies, type BenchEnvironment } from './setup.js';

// Change-to-handler latency in Chromium, on a page served from another origin than Vexil's (so
// every request goes through CORS as on a customer's site): the Vexil web provider (pushed over
// the per-context stream), the OFREP web provider (told by OFREP's event stream, then polling)
// and LaunchDarkly's browser SDK (streaming), each on a fresh page.

const ENTRY = fileURLToPath(new URL('./page/entry.js', import.meta.url));
const KINDS: readonly [BrowserClientKind, string][] = [
  ['launchdarkly', 'LaunchDarkly browser SDK (streaming)'],
  ['vexil', 'OpenFeature + Vexil web provider'],
  ['ofrep-sse', 'OpenFeature + OFREP web provider (OFREP event stream)'],
  ['ofrep-polling', 'OpenFeature + OFREP web provider (polling)'],
];

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
  const pages = await startBundledPage(ENTRY);
  const browser = await launchBrowser();
  const results: [string, number[]][] = [];
  try {
    for (const [kind, name] of KINDS) {
      const page = await browser.newPage();
      await page.goto(pages.url);
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
    await pages.close();
  }
  return results;
}
