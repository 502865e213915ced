import { sha1Head } from './sha1.js';

// LaunchDarkly bucketing (docs/evaluation.md; upstream: go-server-sdk-evaluation
// evaluator_bucketing.go, js-core Bucketer.ts): the first 15 hex digits of SHA-1(input) as an
// integer, divided by 0xFFFFFFFFFFFFFFF. Those 60 bits are h0 (32 bits) and the top 28 bits
// of h1; h0 * 2^28 + (h1 >>> 4) rounds exactly as parseInt(hex15, 16) does in the JS SDK.

// 0xFFFFFFFFFFFFFFF (2^60 - 1) is not representable as a double: the SDKs' literal evaluates
// to 2^60, and that is the divisor they actually use.
const SCALE = 2 ** 60;
const TWO_POW_28 = 0x10000000;

/** The bucket in [0, 1) of a hash input such as `flagKey.salt.contextKey` or `seed.contextKey`. */
export function bucketOf(hashInput: string): number {
  const [h0, h1] = sha1Head(hashInput);
  return (h0 * TWO_POW_28 + (h1 >>> 4)) / SCALE;
}
