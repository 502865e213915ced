import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalKey, type Context } from '@vexil/protocol';
import { EdgeError } from '../http/respond.js';
import type { Credential } from '../state/registry.js';

// LaunchDarkly's secure mode (docs/protocol.md section 4.4): in an environment that has it on, a
// browser request that names a context must carry `h`, the hex HMAC-SHA256 of the context's
// canonical key keyed by the environment's SDK key. The customer's backend computes it (server
// SDKs' secureModeHash) and hands it to the page, so a page can only ask for the contexts its
// backend signed. As LaunchDarkly does, a missing or wrong hash is 400.

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const HOW =
  "h must be the hex HMAC-SHA256 of the context's canonical key, keyed by the environment's SDK key: compute it on your server with the LaunchDarkly server SDK's secureModeHash(context) and give it to the JavaScript SDK as its hash option";

/**
 * Checks the `h` of a client-side-ID request for `context`. Returns the id its stream is to be
 * revoked by: the environment id outside secure mode; in secure mode, the hash of the key that
 * signed `h`, the same id as that SDK key's own streams, so that rotating the key away (or its
 * expiry) closes the browser streams it verified too.
 */
export function verifySecureMode(
  credential: Credential,
  context: Context,
  h: string | null,
): string {
  const keys = credential.secureModeKeys;
  if (keys === undefined) return credential.id;
  const env = credential.environment;
  if (h === null || h === '') {
    throw new EdgeError(
      'SECURE_MODE_HASH',
      `environment "${env.key}" of project "${env.projectKey}" is in secure mode: add ?h=<hash> to the request, where ${HOW}`,
    );
  }
  const given = HEX_SHA256.test(h) ? Buffer.from(h, 'hex') : undefined;
  const signed = canonicalKey(context);
  let match: string | undefined;
  // Every key is tried, each compared in constant time: the answer's timing says nothing about
  // how much of a guess was right, nor which key matched.
  for (const { key, hash } of keys) {
    const expected = createHmac('sha256', key).update(signed, 'utf8').digest();
    if (given !== undefined && timingSafeEqual(expected, given)) match ??= hash;
  }
  if (match !== undefined) return match;
  throw new EdgeError(
    'SECURE_MODE_HASH',
    `h does not match the context (canonical key ${JSON.stringify(signed)}) in environment "${env.key}", which is in secure mode: ${HOW}, for the same context the SDK sends`,
  );
}
