import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents, type Provider } from '@openfeature/web-sdk';
import { VexilWebProvider } from '@vexil/openfeature-web';
import { initialize } from 'launchdarkly-js-client-sdk';

// The benchmark page (bundled by Vite, served from another origin than Vexil's): one browser
// client per page, started by `start`; `arm(on)` before each write, then `seen()` resolves with
// the time (ms since the epoch, the page's performance clock) at which the client's change
// handler first has the toggle flag at `on`.

export type BrowserClientKind = 'vexil' | 'ofrep-sse' | 'ofrep-polling' | 'launchdarkly';

export interface BenchPage {
  start(
    kind: BrowserClientKind,
    options: { baseUrl: string; clientSideId: string; ofrepPollMs: number; flag: string },
  ): Promise<void>;
  arm(on: boolean): void;
  seen(): Promise<number>;
}

const CONTEXT = { targetingKey: 'bench' };
let waiting: { on: boolean; resolve: (at: number) => void } | undefined;
let armed: Promise<number> | undefined;

function saw(value: unknown): void {
  if (waiting === undefined || value !== waiting.on) return;
  const { resolve } = waiting;
  waiting = undefined;
  resolve(performance.timeOrigin + performance.now());
}

const page: BenchPage = {
  async start(kind, { baseUrl, clientSideId, ofrepPollMs, flag }) {
    if (kind === 'launchdarkly') {
      const ld = initialize(
        clientSideId,
        { kind: 'user', key: 'bench' },
        { baseUrl, streamUrl: baseUrl, eventsUrl: baseUrl, streaming: true, sendEvents: false },
      );
      await ld.waitForInitialization(10);
      ld.on(`change:${flag}`, (value: unknown) => saw(value));
      return;
    }
    // OFREPWebProvider declares `hooks?: Hook[]`, which exactOptionalPropertyTypes does not
    // accept as the SDK's Provider; at run time it is one.
    const provider: Provider =
      kind === 'vexil'
        ? new VexilWebProvider({ baseUrl, clientSideId })
        : (new OFREPWebProvider({
            baseUrl,
            headers: [['X-Client-Side-Id', clientSideId]],
            ...(kind === 'ofrep-sse'
              ? { changeDetection: 'sse' }
              : { changeDetection: 'polling', pollInterval: ofrepPollMs }),
            cacheMode: 'disabled',
          }) as unknown as Provider);
    await OpenFeature.setProviderAndWait(provider, CONTEXT);
    const client = OpenFeature.getClient();
    client.addHandler(ProviderEvents.ConfigurationChanged, () =>
      saw(client.getBooleanValue(flag, false)),
    );
  },
  arm(on) {
    armed = new Promise((resolve) => (waiting = { on, resolve }));
  },
  seen: () => armed ?? Promise.reject(new Error('seen() before arm()')),
};

(globalThis as unknown as { bench: BenchPage }).bench = page;
