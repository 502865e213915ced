import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import {
  OpenFeature,
  type Client,
  type EvaluationContext,
  type EvaluationDetails,
  type FlagValue,
  type JsonValue,
} from '@openfeature/server-sdk';
import {
  createEnvironment,
  createRandom,
  generateDataSet,
  normalizeReason,
  openFeatureContextOf,
  startVexil,
  type DataSet,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import { VexilProvider } from '../src/index.js';
import { byKey, type FlagJson } from './support/ld-items.js';

// The provider's evaluations against LaunchDarkly's own Node server SDK: seeded flags, segments
// and contexts (@vexil/testkit) loaded into a real `vexil start`; LaunchDarkly's SDK syncs them
// over its `/all` stream, the provider over the Vexil stream; for every flag and 30 contexts,
// value, variation index and the LaunchDarkly reason (the provider's `ldReason` metadata) must
// be equal, as apps/edge/test/differential.test.ts checks the edge's own evaluations.

const SEED = 20250611;
const CONTEXTS = 30;
const DOMAIN = 'differential';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

type Kind = 'boolean' | 'string' | 'number' | 'json';
const DEFAULTS: Record<Kind, JsonValue> = {
  boolean: false,
  string: 'the default',
  number: -1,
  json: { theDefault: true },
};

function evaluate(
  client: Client,
  kind: Kind,
  key: string,
  context: EvaluationContext,
): Promise<EvaluationDetails<FlagValue>> {
  switch (kind) {
    case 'boolean':
      return client.getBooleanDetails(key, false, context);
    case 'string':
      return client.getStringDetails(key, 'the default', context);
    case 'number':
      return client.getNumberDetails(key, -1, context);
    case 'json':
      return client.getObjectDetails(key, DEFAULTS.json, context);
  }
}

describe('differential: the provider vs LaunchDarkly Node server SDK', () => {
  let server: VexilServer;
  let env: TestEnvironment;
  let data: DataSet;
  let ld: LDClient;
  let client: Client;

  before(async () => {
    server = await startVexil();
    data = generateDataSet(SEED);
    const wire = (items: readonly object[]) =>
      byKey(items.map((item) => JSON.parse(JSON.stringify(item)) as FlagJson));
    env = await createEnvironment(server, {
      data: { flags: wire(data.flags), segments: wire(data.segments) },
    });
    ld = init(env.sdkKey, {
      baseUri: server.url,
      streamUri: server.url,
      eventsUri: server.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
    });
    await OpenFeature.setProviderAndWait(
      DOMAIN,
      new VexilProvider({ sdkKey: env.sdkKey, baseUrl: server.url, sendEvents: false }),
    );
    client = OpenFeature.getClient(DOMAIN);
    await ld.waitForInitialization({ timeout: 10 });
  });
  after(async () => {
    ld?.close();
    await OpenFeature.close();
    await server?.stop();
  });

  test(`every flag x ${CONTEXTS} contexts: value, variation and reason agree`, async () => {
    const contexts = createRandom(SEED).sample(data.contexts, CONTEXTS);
    const mismatches: string[] = [];
    const reasons = new Map<string, number>();
    let compared = 0;
    for (const context of contexts) {
      for (const flag of data.flags) {
        const kind = /-(boolean|string|number|json)$/.exec(flag.key)?.[1] as Kind | undefined;
        assert.ok(kind !== undefined, `no type in the key ${flag.key}`);
        const theirs = await ld.variationDetail(flag.key, context as LDContext, DEFAULTS[kind]);
        const details = await evaluate(
          client,
          kind,
          flag.key,
          openFeatureContextOf(context) as EvaluationContext,
        );
        const ldReason = details.flagMetadata['ldReason'];
        assert.equal(
          typeof ldReason,
          'string',
          `${flag.key}: no ldReason in ${JSON.stringify(details)}`,
        );
        const ours = {
          value: details.value,
          variation: details.variant === undefined ? undefined : Number(details.variant),
          reason: normalizeReason(JSON.parse(String(ldReason))),
        };
        const expected = {
          value: theirs.value as unknown,
          variation: theirs.variationIndex ?? undefined,
          reason: normalizeReason(theirs.reason),
        };
        compared++;
        const reason = ours.reason as { kind: string; inExperiment?: boolean };
        const label = `${reason.kind}${reason.inExperiment === true ? '+exp' : ''}`;
        reasons.set(label, (reasons.get(label) ?? 0) + 1);
        if (!isDeepStrictEqual(ours, expected) && mismatches.length < 10) {
          mismatches.push(
            `${flag.key} for ${JSON.stringify(context)}\n  provider: ${JSON.stringify(ours)}\n  LD:       ${JSON.stringify(expected)}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches, []);
    assert.equal(compared, CONTEXTS * data.flags.length);
    // Agreement proves little unless every way a flag can resolve came up.
    for (const kind of ['OFF', 'TARGET_MATCH', 'RULE_MATCH', 'FALLTHROUGH', 'PREREQUISITE_FAILED'])
      assert.ok((reasons.get(kind) ?? 0) > 0, `no ${kind} result`);
    assert.ok((reasons.get('FALLTHROUGH+exp') ?? 0) + (reasons.get('RULE_MATCH+exp') ?? 0) > 0);
  });
});
