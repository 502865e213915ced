import { createHmac } from 'node:crypto';
import { metric, patchFlag, scrape, type TestEnvironment, type VexilServer } from '@vexil/testkit';

// What the web provider's tests add to testkit's `startVexil` and `createEnvironment`: a change
// a page sees, the hash a customer's backend signs with, and the streams the edge holds open.

/** Serves `variation` to everyone (the flag's default rule). */
export function serve(
  server: VexilServer,
  env: TestEnvironment,
  flag: string,
  variation: number,
): Promise<void> {
  return patchFlag(server, env, flag, [
    { op: 'replace', path: '/environments/{env}/fallthrough', value: { variation } },
  ]);
}

/** The secure-mode hash a customer's backend computes (LaunchDarkly's `secureModeHash`). */
export function secureModeHash(env: TestEnvironment, canonicalKey: string): string {
  return createHmac('sha256', env.sdkKey).update(canonicalKey, 'utf8').digest('hex');
}

/** Open client-side streams of the environment, from the edge's /metrics. */
export async function streams(server: VexilServer, env: TestEnvironment): Promise<number> {
  return metric(await scrape(server.url), 'vexil_edge_streams', {
    environment: env.clientSideId,
    protocol: 'client',
  });
}
