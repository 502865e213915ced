import type { JsonObject } from '@vexil/protocol';
import type { DataSet } from '@vexil/testkit';
import type { VexilProcess } from '../support/vexil-process.js';

// One project and environment on a `vexil start`, holding the generated flags and segments (as
// a LaunchDarkly data import) and one boolean flag the benchmark toggles to time changes.

export const TOGGLE = 'bench-toggle';

/**
 * Milliseconds since the epoch with performance.now()'s resolution: the one clock a Node process
 * and a browser page on the same machine can both read, so a page's handler time can be set
 * against the benchmark's write time.
 */
export const now = () => performance.timeOrigin + performance.now();

export interface BenchEnvironment {
  readonly sdkKey: string;
  readonly clientSideId: string;
  /** Turns the toggle flag on or off; resolves when the API has committed it. */
  toggle(on: boolean): Promise<void>;
}

async function call(vexil: VexilProcess, method: string, path: string, body?: unknown) {
  const request = () =>
    fetch(`${vexil.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${vexil.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // A throughput run keeps this process's event loop on microtasks for seconds, so the server's
  // close of an idle kept-alive connection is seen only when fetch reuses it: once more, anew.
  // (Every call here is idempotent.)
  const res = await request().catch(request);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === '' ? {} : JSON.parse(text)) as Record<string, string>;
}

/** LaunchDarkly data with every flag also available to client-side SDKs (the browser runs). */
function importBody(data: DataSet): JsonObject {
  const clientSide = { usingEnvironmentId: true, usingMobileKey: true };
  const wire = (item: object) => JSON.parse(JSON.stringify(item)) as JsonObject;
  return {
    flags: Object.fromEntries(
      data.flags.map((f) => [f.key, { ...wire(f), clientSideAvailability: clientSide }]),
    ),
    segments: Object.fromEntries(data.segments.map((s) => [s.key, wire(s)])),
  };
}

export async function createEnvironment(
  vexil: VexilProcess,
  data: DataSet,
): Promise<BenchEnvironment> {
  const project = 'openfeature';
  await call(vexil, 'POST', '/projects', { key: project, name: 'OpenFeature benchmark' });
  const env = await call(vexil, 'POST', `/projects/${project}/environments`, {
    key: 'bench',
    name: 'Bench',
  });
  await call(vexil, 'PUT', `/projects/${project}/environments/bench/data`, importBody(data));
  await call(vexil, 'POST', `/projects/${project}/flags`, {
    key: TOGGLE,
    variations: [{ value: false }, { value: true }],
    defaults: { onVariation: 1, offVariation: 0 },
    clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: true },
  });
  return {
    sdkKey: env['sdkKey']!,
    clientSideId: env['clientSideId']!,
    async toggle(on) {
      await call(vexil, 'PATCH', `/projects/${project}/flags/${TOGGLE}`, [
        { op: 'replace', path: '/environments/bench/on', value: on },
      ]);
    },
  };
}

/** A client the benchmark waits on: armed before each write, then awaited. */
export interface ToggleWaiter {
  /** From now on, wait for the client's change handler to have the toggle flag at `on`. */
  arm(on: boolean): Promise<void>;
  /** `now()` when it did. */
  seen(): Promise<number>;
}

/** `changes` toggles, each seen by the client before the next: ms from the write to handler. */
export async function toggleLatencies(
  env: BenchEnvironment,
  changes: number,
  waiter: ToggleWaiter,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < changes; i++) {
    const on = i % 2 === 0;
    await waiter.arm(on);
    const seen = waiter.seen();
    const wrote = now();
    await env.toggle(on);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`change ${i} not seen within 10 s`)), 10_000);
    });
    samples.push((await Promise.race([seen, timeout]).finally(() => clearTimeout(timer))) - wrote);
  }
  if (changes % 2 === 1) await env.toggle(false);
  return samples;
}
