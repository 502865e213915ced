import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import {
  OpenFeature,
  ProviderEvents,
  type Client,
  type EvaluationContext,
  type EventHandler,
} from '@openfeature/server-sdk';
import type { JsonObject, JsonValue } from '@vexil/protocol';
import { VexilProvider } from '@vexil/openfeature-server';
import { openFeatureContextOf, type DataSet } from '@vexil/testkit';
import { now, TOGGLE, type BenchEnvironment, type ToggleWaiter } from './setup.js';

// The three ways a Node server reads flags from Vexil, on the same data and pairs:
// LaunchDarkly's Node SDK (in process, FDv1 stream), OpenFeature with OFREP (one HTTP request
// per evaluation, at `ofrepConcurrency` in flight) and OpenFeature with Vexil's server provider
// (in process, Vexil stream).

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** One way of evaluating, and of hearing that the toggle flag changed. */
export interface ServerClient {
  readonly name: string;
  /** The context in the client's own form, made once per pair before the runs. */
  context(context: JsonObject): unknown;
  evaluate(flagKey: string, context: unknown): Promise<unknown>;
  /** The provider's resolve methods alone, without the OpenFeature client around them. */
  readonly direct?: (flagKey: string, context: unknown) => Promise<unknown>;
  readonly toggle: ToggleWaiter;
  close(): Promise<void>;
}

type Kind = 'boolean' | 'string' | 'number' | 'object';

function kindOf(value: JsonValue | undefined): Kind {
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number')
    return value === undefined ? 'object' : (typeof value as Kind);
  return 'object';
}

const kinds = (data: DataSet) => new Map(data.flags.map((f) => [f.key, kindOf(f.variations?.[0])]));

/** OpenFeature's typed call for the flag's variation type, as an application would make. */
function typedEvaluation(client: Client, data: DataSet) {
  const kindOfFlag = kinds(data);
  return (flagKey: string, context: unknown): Promise<unknown> => {
    const c = context as EvaluationContext;
    switch (kindOfFlag.get(flagKey)) {
      case 'boolean':
        return client.getBooleanDetails(flagKey, false, c);
      case 'string':
        return client.getStringDetails(flagKey, '', c);
      case 'number':
        return client.getNumberDetails(flagKey, 0, c);
      default:
        return client.getObjectDetails(flagKey, {}, c);
    }
  };
}

/** The same typed calls straight to the provider's resolve methods. */
function typedResolution(provider: VexilProvider, data: DataSet) {
  const kindOfFlag = kinds(data);
  return (flagKey: string, context: unknown): Promise<unknown> => {
    const c = context as EvaluationContext;
    switch (kindOfFlag.get(flagKey)) {
      case 'boolean':
        return provider.resolveBooleanEvaluation(flagKey, false, c);
      case 'string':
        return provider.resolveStringEvaluation(flagKey, '', c);
      case 'number':
        return provider.resolveNumberEvaluation(flagKey, 0, c);
      default:
        return provider.resolveObjectEvaluation(flagKey, {}, c);
    }
  };
}

/** A push client's waiter: its change handler reports the value it now serves. */
class ToggleWatch implements ToggleWaiter {
  private waiting: { on: boolean; resolve: (at: number) => void } | undefined;
  private armed: Promise<number> | undefined;
  async arm(on: boolean): Promise<void> {
    this.armed = new Promise((resolve) => (this.waiting = { on, resolve }));
  }
  seen(): Promise<number> {
    return this.armed ?? Promise.reject(new Error('seen() before arm()'));
  }
  saw(on: boolean): void {
    if (this.waiting?.on !== on) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(now());
  }
}

const TOGGLE_CONTEXT = { targetingKey: 'bench' };

async function openFeatureClient(
  name: string,
  domain: string,
  provider: VexilProvider | OFREPProvider,
  data: DataSet,
  toggleWaiter: (client: Client) => { waiter: ToggleWaiter; stop(): void },
): Promise<ServerClient> {
  await OpenFeature.setProviderAndWait(domain, provider);
  const client = OpenFeature.getClient(domain);
  const { waiter, stop } = toggleWaiter(client);
  return {
    name,
    context: openFeatureContextOf,
    evaluate: typedEvaluation(client, data),
    ...(provider instanceof VexilProvider ? { direct: typedResolution(provider, data) } : {}),
    toggle: waiter,
    async close() {
      stop();
      await OpenFeature.clearProviders();
    },
  };
}

export function vexilProviderClient(baseUrl: string, env: BenchEnvironment, data: DataSet) {
  const provider = new VexilProvider({ baseUrl, sdkKey: env.sdkKey });
  return openFeatureClient('OpenFeature + Vexil provider', 'vexil', provider, data, (client) => {
    const watch = new ToggleWatch();
    const handler: EventHandler = async (details) => {
      if (!(details?.['flagsChanged'] as string[] | undefined)?.includes(TOGGLE)) return;
      watch.saw(await client.getBooleanValue(TOGGLE, false, TOGGLE_CONTEXT));
    };
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    return {
      waiter: watch,
      stop: () => client.removeHandler(ProviderEvents.ConfigurationChanged, handler),
    };
  });
}

/**
 * OFREP has no change events: a change is seen by the first evaluation that returns it. An
 * application evaluating back to back sees it soonest, so that is what runs while a change is
 * awaited (and only then, so that it loads nothing else).
 */
export function ofrepClient(baseUrl: string, env: BenchEnvironment, data: DataSet) {
  const provider = new OFREPProvider({ baseUrl, headers: [['Authorization', env.sdkKey]] });
  return openFeatureClient('OpenFeature + OFREP provider', 'ofrep', provider, data, (client) => {
    let polling: Promise<number> | undefined;
    const poll = async (on: boolean) => {
      for (let n = 0; n < 100_000; n++) {
        if ((await client.getBooleanValue(TOGGLE, !on, TOGGLE_CONTEXT)) === on) return now();
      }
      throw new Error(`OFREP never served ${TOGGLE} = ${String(on)}`);
    };
    const waiter: ToggleWaiter = {
      async arm(on) {
        polling = poll(on);
      },
      seen: () => polling ?? Promise.reject(new Error('seen() before arm()')),
    };
    return { waiter, stop() {} };
  });
}

export async function launchDarklyClient(
  baseUrl: string,
  env: BenchEnvironment,
): Promise<ServerClient> {
  const ld: LDClient = init(env.sdkKey, {
    baseUri: baseUrl,
    streamUri: baseUrl,
    eventsUri: baseUrl,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silent,
  });
  await ld.waitForInitialization({ timeout: 10 });
  const watch = new ToggleWatch();
  ld.on(`update:${TOGGLE}`, () => {
    void ld.variation(TOGGLE, { kind: 'user', key: 'bench' }, false).then((v) => watch.saw(v));
  });
  return {
    name: 'LaunchDarkly Node SDK',
    context: (context) => context,
    evaluate: (flagKey, context) => ld.variationDetail(flagKey, context as LDContext, null),
    toggle: watch,
    async close() {
      ld.close();
    },
  };
}
