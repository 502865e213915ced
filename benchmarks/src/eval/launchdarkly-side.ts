import { readFileSync } from 'node:fs';
import {
  init,
  type LDClient,
  type LDContext,
  type LDEvaluationDetail,
  type LDLogger,
} from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import type { DataSet } from '@vexil/testkit';

// LaunchDarkly's own evaluator, reached through the public server SDK API only. The client is
// fully offline: its data source is the SDK's TestData integration holding exactly the flag and
// segment JSON Vexil evaluates, events and diagnostics are off, so it opens no connection. (The
// SDK's `offline: true` option would not do: in offline mode variationDetail skips evaluation
// and returns the default.)

export interface LaunchDarklySide {
  readonly sdkVersion: string;
  variationDetail(flagKey: string, context: object): Promise<LDEvaluationDetail>;
  close(): void;
}

const INIT_TIMEOUT_SECONDS = 10;

export async function startLaunchDarkly(data: DataSet): Promise<LaunchDarklySide> {
  const td = new TestData();
  // Before a client is attached these only record the items, so the promises settle at once.
  await Promise.all([
    ...data.segments.map((s) => td.usePreconfiguredSegment(s)),
    ...data.flags.map((f) => td.usePreconfiguredFlag(f)),
  ]);
  const client: LDClient = init('sdk-offline-benchmark', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: stderrLogger,
  });
  await client.waitForInitialization({ timeout: INIT_TIMEOUT_SECONDS });
  return {
    sdkVersion: sdkVersion(),
    // The generator builds valid single- and multi-kind context JSON, which is what LDContext
    // describes; the cast only bridges Vexil's JsonObject type to the SDK's.
    variationDetail: (flagKey, context) =>
      client.variationDetail(flagKey, context as LDContext, null),
    close: () => client.close(),
  };
}

/** Warnings and errors only; the SDK's info lines would interleave with the report. */
const stderrLogger: LDLogger = {
  error: (...args: unknown[]) => process.stderr.write(`[launchdarkly] error: ${args.join(' ')}\n`),
  warn: (...args: unknown[]) => process.stderr.write(`[launchdarkly] warn: ${args.join(' ')}\n`),
  info: () => {},
  debug: () => {},
};

/** The installed SDK's version, from its package.json (not in the package's exports map). */
function sdkVersion(): string {
  const entry = import.meta.resolve('@launchdarkly/node-server-sdk');
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', entry), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}
