// Copy-paste snippets that connect an application to this server: the LaunchDarkly Node
// server SDK, the LaunchDarkly browser SDK, and an OpenFeature OFREP provider. Every URL an
// SDK uses points at `baseUrl` (streaming, polling and events are all served there).

export interface SnippetKeys {
  readonly baseUrl: string;
  readonly sdkKey: string;
  readonly clientSideId: string;
  /** The environment is in secure mode: the browser snippet passes the context's hash. */
  readonly secureMode?: boolean;
  /** A flag to show in the example; a placeholder when the project has none. */
  readonly flagKey?: string;
  /** The type of that flag's values: the examples' defaults are of that type (boolean if absent). */
  readonly flagType?: FlagValueType;
}

/** What OpenFeature calls a flag's type. */
export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

/** The type of a flag's values, from its variations (mixed or JSON values are objects). */
export function flagValueType(variations: readonly { value: unknown }[]): FlagValueType {
  const types = new Set(variations.map((v) => typeof v.value));
  if (types.size !== 1) return 'object';
  const [type] = types;
  return type === 'boolean' || type === 'string' || type === 'number' ? type : 'object';
}

/** A default value of each type, as JavaScript source, and OpenFeature's evaluation method. */
const DEFAULTS: Record<FlagValueType, { literal: string; ofrep: string }> = {
  boolean: { literal: 'false', ofrep: 'getBooleanValue' },
  string: { literal: "''", ofrep: 'getStringValue' },
  number: { literal: '0', ofrep: 'getNumberValue' },
  object: { literal: '{}', ofrep: 'getObjectValue' },
};

export type SnippetKind = 'node-server' | 'browser' | 'ofrep';

export interface Snippet {
  readonly kind: SnippetKind;
  readonly title: string;
  readonly install: string;
  readonly code: string;
}

const q = (s: string) => JSON.stringify(s);

export function snippets(keys: SnippetKeys): Snippet[] {
  const url = q(keys.baseUrl.replace(/\/+$/, ''));
  const flag = q(keys.flagKey ?? 'my-flag');
  // A default of another type than the flag's is a type mismatch in OpenFeature and a
  // surprise in the LaunchDarkly SDKs, so the examples use one of the flag's own type.
  const { literal: fallback, ofrep } = DEFAULTS[keys.flagType ?? 'boolean'];
  const hash =
    keys.secureMode === true
      ? `
// Secure mode is on: pass the hash your server computed for this context with its server
// SDK's client.secureModeHash(context), e.g. rendered into the page.
const hash = '<hash from your server>';
`
      : '';
  return [
    {
      kind: 'node-server',
      title: 'LaunchDarkly Node.js server SDK',
      install: 'npm install @launchdarkly/node-server-sdk',
      code: `import { init } from '@launchdarkly/node-server-sdk';

const client = init(${q(keys.sdkKey)}, {
  baseUri: ${url},
  streamUri: ${url},
  eventsUri: ${url},
});
await client.waitForInitialization({ timeout: 10 });

const context = { kind: 'user', key: 'user-123' };
const value = await client.variation(${flag}, context, ${fallback});${
        keys.secureMode === true
          ? "\n// Secure mode: hand this to the page, for the browser SDK's hash option.\nconst hash = client.secureModeHash(context);"
          : ''
      }
client.on('update:' + ${flag}, () => console.log('flag changed'));`,
    },
    {
      kind: 'browser',
      title: 'LaunchDarkly browser SDK',
      install: 'npm install launchdarkly-js-client-sdk',
      code: `import { initialize } from 'launchdarkly-js-client-sdk';
${hash}
// Only flags marked "available to client-side SDKs" are sent to browsers.
const client = initialize(${q(keys.clientSideId)}, { kind: 'user', key: 'user-123' }, {${keys.secureMode === true ? '\n  hash,' : ''}
  baseUrl: ${url},
  streamUrl: ${url},
  eventsUrl: ${url},
});
await client.waitForInitialization(5);

const value = client.variation(${flag}, ${fallback});
client.on('change:' + ${flag}, (current) => console.log('now', current));`,
    },
    {
      kind: 'ofrep',
      title: 'OpenFeature (OFREP provider)',
      install: 'npm install @openfeature/server-sdk @openfeature/ofrep-provider',
      code: `import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

await OpenFeature.setProviderAndWait(
  new OFREPProvider({ baseUrl: ${url}, headers: [['Authorization', ${q(keys.sdkKey)}]] }),
);
const client = OpenFeature.getClient();
const value = await client.${ofrep}(${flag}, ${fallback}, { targetingKey: 'user-123' });`,
    },
  ];
}
