import {
  OpenFeature,
  ProviderEvents,
  type EvaluationContext,
  type FlagValue,
} from '@openfeature/web-sdk';
import { VexilWebProvider } from '@vexil/openfeature-web';

// The test page's script, bundled by Vite for Chromium with the web SDK and the provider: what
// a customer's page does (setProviderAndWait with its context, evaluations, a change handler,
// setContext), exposed on `globalThis.vexil` for the test to drive. The provider uses the
// browser's own fetch and localStorage.

export interface PageChange {
  readonly flags: readonly string[];
  /** When the handler ran, in ms since the epoch (the page's performance clock). */
  readonly at: number;
  readonly headline: string;
}

export interface PageDetails {
  readonly value: FlagValue;
  readonly variant?: string;
  readonly reason?: string;
  readonly errorCode?: string;
}

export interface PageApi {
  /** Starts the provider; resolves with initialize's error message, if it failed. */
  start(
    options: { clientSideId: string; baseUrl: string },
    context: EvaluationContext,
  ): Promise<string | undefined>;
  details(key: string, defaultValue: string): PageDetails;
  setContext(context: EvaluationContext): Promise<void>;
  status(): string;
  readonly changes: PageChange[];
  /** `EVENT:STATUS` for every provider event the client saw. */
  readonly events: string[];
}

const client = OpenFeature.getClient();
const changes: PageChange[] = [];
const events: string[] = [];

client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
  const at = performance.timeOrigin + performance.now();
  changes.push({
    flags: (details?.flagsChanged as string[] | undefined) ?? [],
    at,
    headline: client.getStringValue('headline', 'fallback'),
  });
});
for (const type of Object.values(ProviderEvents))
  client.addHandler(type, () => events.push(`${type}:${client.providerStatus}`));

const api: PageApi = {
  changes,
  events,
  async start(options, context) {
    try {
      await OpenFeature.setProviderAndWait(
        new VexilWebProvider({ ...options, initTimeoutMs: 2_000 }),
        context,
      );
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  },
  details(key, defaultValue) {
    const { value, variant, reason, errorCode } = client.getStringDetails(key, defaultValue);
    return {
      value,
      ...(variant === undefined ? {} : { variant }),
      ...(reason === undefined ? {} : { reason }),
      ...(errorCode === undefined ? {} : { errorCode }),
    };
  },
  setContext: (context) => OpenFeature.setContext(context),
  status: () => client.providerStatus,
};

(globalThis as unknown as { vexil: PageApi }).vexil = api;
