import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import type { JsonObject } from '@vexil/protocol';
import { createRandom, generateDataSet, normalizeReason, type DataSet } from '@vexil/testkit';
import { b64, getJson, synced } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import type { TestEnvironment } from './support/fake-origin.js';

// The edge's evaluations against LaunchDarkly's own: seeded flags, segments and contexts
// (@vexil/testkit, which stays out of the corners where LaunchDarkly's JS evaluator departs from
// its Go reference) are served by the edge; the real Node server SDK syncs them from the edge's
// `/all` stream and computes allFlagsState; the edge answers server-side evalx with reasons.
// Value, variation, reason, flag version and the event fields must agree for every pair.

const SEED = 20250611;
const CONTEXTS = 30;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

type Meta = Record<string, unknown>;

/** What LaunchDarkly's allFlagsState says about one flag, in the evalx entry's terms. */
function launchDarklyEntry(value: unknown, meta: Meta): Meta {
  return {
    value,
    variation: meta['variation'],
    flagVersion: meta['version'],
    reason: normalizeReason(meta['reason']),
    trackEvents: meta['trackEvents'] ?? false,
    trackReason: meta['trackReason'] ?? false,
    debugEventsUntilDate: meta['debugEventsUntilDate'],
    prerequisites: meta['prerequisites'],
  };
}

function edgeEntry(entry: Meta): Meta {
  return {
    value: entry['value'],
    variation: entry['variation'],
    flagVersion: entry['flagVersion'],
    reason: normalizeReason(entry['reason']),
    trackEvents: entry['trackEvents'] ?? false,
    trackReason: entry['trackReason'] ?? false,
    debugEventsUntilDate: entry['debugEventsUntilDate'],
    prerequisites: entry['prerequisites'],
  };
}

describe('differential: edge evalx vs LaunchDarkly Node server SDK', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let data: DataSet;
  let ld: LDClient;

  before(async () => {
    edge = await startEdgeServer();
    env = await edge.origin.addEnvironment('differential');
    data = generateDataSet(SEED);
    const wire = (item: object) => JSON.parse(JSON.stringify(item)) as JsonObject;
    for (const segment of data.segments) await edge.origin.put(env, 'segment', wire(segment));
    for (const flag of data.flags) await edge.origin.put(env, 'flag', wire(flag));
    await synced(edge, env);
    ld = init(env.sdkKey, {
      baseUri: edge.url,
      streamUri: edge.url,
      eventsUri: edge.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
    });
    await ld.waitForInitialization({ timeout: 10 });
  });
  after(async () => {
    ld.close();
    await edge.close();
  });

  test(`${CONTEXTS} contexts x every flag agree, by GET and by REPORT`, async () => {
    const contexts = createRandom(SEED).sample(data.contexts, CONTEXTS);
    const mismatches: string[] = [];
    const reasons = new Map<string, number>();
    let compared = 0;
    for (const [i, context] of contexts.entries()) {
      const auth = { authorization: env.sdkKey };
      const response =
        i % 2 === 0
          ? await getJson(`${edge.url}/sdk/evalx/contexts/${b64(context)}?withReasons=true`, {
              headers: auth,
            })
          : await getJson(`${edge.url}/sdk/evalx/context?withReasons=true`, {
              method: 'REPORT',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify(context),
            });
      assert.equal(response.status, 200);
      const evaluated = response.body as Record<string, Meta>;
      // The generator's contexts are valid LaunchDarkly context JSON, which LDContext describes.
      const flags = await ld.allFlagsState(context as LDContext, { withReasons: true });
      const state = flags.toJSON() as Record<string, unknown>;
      const flagsState = state['$flagsState'] as Record<string, Meta>;
      assert.deepEqual(Object.keys(evaluated).sort(), Object.keys(flagsState).sort());
      for (const [key, entry] of Object.entries(evaluated)) {
        compared++;
        const ours = edgeEntry(entry);
        const theirs = launchDarklyEntry(state[key], flagsState[key]!);
        const reason = ours['reason'] as { kind: string; inExperiment?: boolean };
        const kind = `${reason.kind}${reason.inExperiment === true ? '+exp' : ''}`;
        reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
        assert.equal(entry['version'], env.seq);
        if (!isDeepStrictEqual(ours, theirs) && mismatches.length < 10) {
          mismatches.push(
            `${key} for ${JSON.stringify(context)}\n  edge: ${JSON.stringify(ours)}\n  LD:   ${JSON.stringify(theirs)}`,
          );
        }
      }
    }
    assert.equal(compared, CONTEXTS * data.flags.length);
    assert.ok(compared >= 5_000, `only ${compared} pairs`);
    assert.deepEqual(mismatches, []);
    // Agreement proves little unless every way a flag can resolve came up.
    for (const kind of ['OFF', 'TARGET_MATCH', 'RULE_MATCH', 'FALLTHROUGH', 'PREREQUISITE_FAILED'])
      assert.ok((reasons.get(kind) ?? 0) > 0, `no ${kind} result`);
    assert.ok((reasons.get('FALLTHROUGH+exp') ?? 0) + (reasons.get('RULE_MATCH+exp') ?? 0) > 0);
  });
});
