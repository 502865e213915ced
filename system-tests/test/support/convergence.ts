import { setTimeout as delay } from 'node:timers/promises';
import type { Fdv1Client, HeldItem, Topology, Violation } from '@vexil/testkit';
import type { SdkClient } from './sdk-clients.js';

// The end state every test must reach: every client holds exactly the latest version of every
// flag as the origin serves it (GET .../data), and no client ever received an event that
// would have moved it backwards.

export interface Expected {
  readonly seq: number;
  readonly flags: ReadonlyMap<string, number>;
}

export interface Mismatch {
  readonly client: string;
  readonly endpoint: string;
  readonly key: string;
  /** `absent`, `deleted@v`, or the version held. */
  readonly held: string;
  /** `absent` or the version the origin serves. */
  readonly expected: string;
}

export async function expectedState(topology: Topology): Promise<Expected> {
  const { api, projectKey, environmentKey } = topology;
  const res = await api.expect(
    200,
    'GET',
    `/api/v1/projects/${projectKey}/environments/${environmentKey}/data`,
  );
  const flags = new Map<string, number>();
  for (const [key, flag] of Object.entries(res.body.flags as Record<string, { version: number }>))
    flags.set(key, flag.version);
  return { seq: Number(res.headers.get('x-vexil-seq') ?? 0), flags };
}

const show = (item: HeldItem | undefined) =>
  item === undefined ? 'absent' : item.deleted ? `deleted@${item.version}` : String(item.version);

/** Differences between what a client holds and what the origin serves. */
export function mismatches(
  client: string,
  endpoint: string,
  held: ReadonlyMap<string, HeldItem>,
  expected: Expected,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [key, version] of expected.flags) {
    const item = held.get(key);
    if (item === undefined || item.deleted || item.version !== version)
      out.push({ client, endpoint, key, held: show(item), expected: String(version) });
  }
  for (const [key, item] of held) {
    if (!item.deleted && !expected.flags.has(key))
      out.push({ client, endpoint, key, held: show(item), expected: 'absent' });
  }
  return out;
}

export function fdv1Mismatches(client: Fdv1Client, expected: Expected): Mismatch[] {
  return mismatches(client.name, client.endpoint, client.flags, expected);
}

export function describeViolations(violations: readonly Violation[]): string {
  return violations
    .slice(0, 10)
    .map(
      (v) =>
        `  ${v.client} on ${v.endpoint}: ${v.event} ${v.kind === 'seq' ? 'id' : `of ${v.key ?? '?'} at version`} ${v.received} after ${v.held}`,
    )
    .join('\n');
}

export interface ConvergenceResult {
  /** From the start of the check until every client matched. */
  readonly ms: number;
  readonly expected: Expected;
}

/** Fails if any client ever received an event that would have moved a version backwards. */
function throwOnViolations(clients: readonly Fdv1Client[]): void {
  const violations = clients.flatMap((c) => c.violations);
  if (violations.length > 0)
    throw new Error(
      `${violations.length} out-of-order event(s) reached clients:\n${describeViolations(violations)}`,
    );
}

/**
 * Polls until every FDv1 client and every SDK holds the origin's state, or fails after
 * `timeoutMs` with the first mismatches and the state of the clients that have them.
 */
export async function converge(
  topology: Topology,
  clients: readonly Fdv1Client[],
  sdks: readonly SdkClient[],
  timeoutMs = 60_000,
): Promise<ConvergenceResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const expected = await expectedState(topology);
    const wrong: Mismatch[] = [];
    for (const client of clients) wrong.push(...fdv1Mismatches(client, expected));
    for (const sdk of sdks) wrong.push(...(await sdk.mismatches(expected)));
    throwOnViolations(clients);
    if (wrong.length === 0) return { ms: Date.now() - started, expected };
    if (Date.now() > deadline) {
      const who = new Set(wrong.map((m) => m.client));
      const states = clients
        .filter((c) => who.has(c.name))
        .slice(0, 10)
        .map(
          (c) =>
            `  ${c.name}: on ${c.endpoint}, ${c.streaming ? 'streaming' : `not streaming (${c.lastReason})`}, seq ${String(c.seq)}`,
        );
      throw new Error(
        [
          `not converged after ${timeoutMs} ms: ${wrong.length} mismatch(es) over ${who.size} client(s); origin at seq ${expected.seq}`,
          ...wrong
            .slice(0, 15)
            .map(
              (m) =>
                `  ${m.client} (${m.endpoint}) ${m.key}: holds ${m.held}, origin serves ${m.expected}`,
            ),
          'clients:',
          ...states,
        ].join('\n'),
      );
    }
    await delay(100);
  }
}

/**
 * Convergence while writes go on: polls until every one of `clients` and `sdks` holds, of every
 * flag the origin served when the check started, that version or a later one (a later write,
 * or a delete), and fails after `timeoutMs` like `converge`. An SDK does not show a deleted
 * flag, so one it lacks counts as caught up while the origin no longer serves it either.
 */
export async function catchUp(
  topology: Topology,
  clients: readonly Fdv1Client[],
  sdks: readonly SdkClient[],
  timeoutMs = 60_000,
): Promise<ConvergenceResult> {
  const started = Date.now();
  const expected = await expectedState(topology);
  const behind = (name: string, held: ReadonlyMap<string, HeldItem>, now?: Expected) =>
    [...expected.flags]
      .filter(([key, version]) => {
        const item = held.get(key);
        if (item === undefined && now !== undefined && !now.flags.has(key)) return false;
        return (item?.version ?? 0) < version;
      })
      .map(
        ([key, version]) =>
          `  ${name} ${key}: holds ${show(held.get(key))}, origin served ${version}`,
      );
  for (;;) {
    throwOnViolations(clients);
    const late = clients.flatMap((c) => behind(c.name, c.flags));
    const now = sdks.length === 0 ? undefined : await expectedState(topology);
    for (const sdk of sdks) late.push(...behind(sdk.name, await sdk.versions(), now));
    if (late.length === 0) return { ms: Date.now() - started, expected };
    if (Date.now() - started > timeoutMs)
      throw new Error(
        [
          `not caught up with seq ${expected.seq} after ${timeoutMs} ms: ${late.length} flag(s) behind`,
          ...late.slice(0, 15),
        ].join('\n'),
      );
    await delay(50);
  }
}
