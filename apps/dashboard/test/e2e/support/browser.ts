import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

// Debian's Chromium (scripts/bootstrap.mjs installs it; Playwright's own browser download
// cannot run on these machines) driven by playwright-core.

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
  const message = `${CHROMIUM} is missing (scripts/bootstrap.mjs installs Debian's chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; under CI=true this is a failure`);
  return `skipped: ${message}`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** What a page did that a test asserts on at the end: requests elsewhere, errors. */
export interface PageWatch {
  /** Requests to any origin other than `origin` (data: and blob: URLs excepted). */
  readonly foreign: string[];
  /** Console errors (a Content-Security-Policy violation is one), uncaught exceptions. */
  readonly errors: string[];
}

export function watchPage(page: Page, origin: string): PageWatch {
  const watch: PageWatch = { foreign: [], errors: [] };
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.origin !== origin) watch.foreign.push(request.url());
  });
  page.on('console', (message) => {
    // Chromium logs every HTTP error status; the 401 and 409 the tests provoke are expected.
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource: the server'))
      watch.errors.push(text);
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  return watch;
}
