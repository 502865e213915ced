import { existsSync } from 'node:fs';
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
