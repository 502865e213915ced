import { encodeContextBase64Url, type JsonObject } from '@vexil/protocol';
import { until, type EdgeServer } from './edge-server.js';
import type { TestEnvironment } from './fake-origin.js';

// Helpers shared by the client-side, OFREP and browser tests.

/** Loads `env` on the edge; resolves once it has applied every change the FakeOrigin committed. */
export async function synced(edge: EdgeServer, env: TestEnvironment): Promise<void> {
  edge.edge.want(env.id);
  await until(
    () => edge.edge.status().environments.find((e) => e.id === env.id)?.seq === env.seq,
    5_000,
    `edge at seq ${env.seq} of ${env.key}`,
  );
}

/** A context as it travels in client-side URLs. */
export function b64(context: unknown): string {
  return encodeContextBase64Url(context);
}

/** Drops properties, e.g. to publish a flag without `clientSideAvailability`. */
export function without(json: JsonObject, ...keys: string[]): JsonObject {
  const out = { ...json };
  for (const key of keys) delete out[key];
  return out;
}

export async function getJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}
