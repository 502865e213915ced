import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import {
  OpenFeature,
  ProviderEvents,
  type EvaluationContext,
  type Provider,
} from '@openfeature/web-sdk';

// The test page's script, bundled by Vite for Chromium: OpenFeature's own OFREP web provider with
// its defaults for change detection (`changeDetection: 'sse'`, no polling), as a customer's page
// would configure it against an edge, exposed on `globalThis.ofrep` for the test to drive.

export interface OfrepPageChange {
  readonly flags: readonly string[];
  /** The banner flag's value when the handler ran. */
  readonly banner: boolean;
}

export interface OfrepPageApi {
  /** Starts the provider; resolves with initialize's error message, if it failed. */
  start(
    options: { baseUrl: string; clientSideId: string; hash?: string },
    context: EvaluationContext,
  ): Promise<string | undefined>;
  banner(): boolean;
  status(): string;
  readonly changes: OfrepPageChange[];
  /** `EVENT:STATUS` for every provider event the client saw. */
  readonly events: string[];
}

const client = OpenFeature.getClient();
const changes: OfrepPageChange[] = [];
const events: string[] = [];
const banner = () => client.getBooleanValue('banner', false);

client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
  changes.push({ flags: (details?.flagsChanged as string[] | undefined) ?? [], banner: banner() });
});
for (const type of Object.values(ProviderEvents))
  client.addHandler(type, () => events.push(`${type}:${client.providerStatus}`));

const api: OfrepPageApi = {
  changes,
  events,
  async start({ baseUrl, clientSideId, hash }, context) {
    const headers: [string, string][] = [['X-Client-Side-Id', clientSideId]];
    if (hash !== undefined) headers.push(['X-Secure-Mode-Hash', hash]);
    // OFREPWebProvider declares `hooks?: Hook[]`, which exactOptionalPropertyTypes does not
    // accept as the SDK's Provider; at run time it is one. No cache: every start asks the edge.
    const provider = new OFREPWebProvider({
      baseUrl,
      headers,
      cacheMode: 'disabled',
    }) as unknown as Provider;
    try {
      await OpenFeature.setProviderAndWait(provider, context);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  },
  banner,
  status: () => client.providerStatus,
};

(globalThis as unknown as { ofrep: OfrepPageApi }).ofrep = api;
