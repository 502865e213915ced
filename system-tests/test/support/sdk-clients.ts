import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import type { HeldItem } from '@vexil/testkit';
import { mismatches, type Expected, type Mismatch } from './convergence.js';

// Real LaunchDarkly Node server SDKs among the clients, streaming (FDv1) from one edge each,
// as a customer's service would: the flag versions they hold are read from allFlagsState.

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export class SdkClient {
  private constructor(
    readonly name: string,
    readonly endpoint: string,
    readonly client: LDClient,
  ) {}

  static async start(name: string, sdkKey: string, endpoint: string): Promise<SdkClient> {
    const client = init(sdkKey, {
      baseUri: endpoint,
      streamUri: endpoint,
      eventsUri: endpoint,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
      streamInitialReconnectDelay: 0.1,
    });
    await client.waitForInitialization({ timeout: 30 });
    return new SdkClient(name, endpoint, client);
  }

  /** The flag versions the SDK evaluates with. */
  async versions(): Promise<Map<string, HeldItem>> {
    const state = await this.client.allFlagsState({ kind: 'user', key: 'system-test' });
    const meta = (state.toJSON() as { $flagsState?: Record<string, { version?: number }> })
      .$flagsState;
    const held = new Map<string, HeldItem>();
    for (const [key, { version }] of Object.entries(meta ?? {}))
      held.set(key, { version: version ?? -1, deleted: false });
    return held;
  }

  async mismatches(expected: Expected): Promise<Mismatch[]> {
    return mismatches(this.name, this.endpoint, await this.versions(), expected);
  }

  close(): void {
    this.client.close();
  }
}
