import type { Page, Request } from 'playwright-core';

export { browserSkip, launchBrowser } from '@vexil/testkit/browser';

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
