import {
  defaultRateLimitOptions,
  parseProxyBlock,
  type ProxyBlock,
  type Rate,
  type RateLimitOptions,
} from '@vexil/edge/rate-limits';
import { usageError } from '../cli-error.js';
import type { Raw } from './config-checks.js';

// The rate limits of every role's port (`vexil start`, `vexil origin`, `vexil edge`), read
// from flags or environment variables (docs/operations.md, "Rate limits").

/** The flags, each with its environment variable. */
const FLAGS = {
  'rate-limit-api': 'VEXIL_RATE_LIMIT_API',
  'rate-limit-api-address': 'VEXIL_RATE_LIMIT_API_ADDRESS',
  'rate-limit-sdk': 'VEXIL_RATE_LIMIT_SDK',
  'rate-limit-auth-failures': 'VEXIL_RATE_LIMIT_AUTH_FAILURES',
  'trust-proxy': 'VEXIL_TRUST_PROXY',
} as const;

export type RateLimitFlag = keyof typeof FLAGS;

export const RATE_LIMIT_FLAGS = Object.keys(FLAGS) as RateLimitFlag[];

const show = (rate: Rate | 'off') => (rate === 'off' ? 'off' : `${rate.perSecond}/${rate.burst}`);
const d = defaultRateLimitOptions;

export const RATE_LIMIT_HELP = `Rate limits (<requests per second>/<burst>, or off; per client address unless said):
  --rate-limit-auth-failures    failed authentications (any credential); past it the address gets
                                429 on every credentialed request (default ${show(d.authFailures)})
  --rate-limit-api              REST API requests per API token (default ${show(d.apiToken)})
  --rate-limit-api-address      REST API requests (default ${show(d.apiAddress)})
  --rate-limit-sdk              SDK, OFREP and event requests and stream connects (default ${show(d.sdkAddress)})
  --trust-proxy                 proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For
                                names the client (default none: the peer's address counts)
  Their environment variables: VEXIL_RATE_LIMIT_AUTH_FAILURES, VEXIL_RATE_LIMIT_API,
  VEXIL_RATE_LIMIT_API_ADDRESS, VEXIL_RATE_LIMIT_SDK, VEXIL_TRUST_PROXY.`;

/** The rate limits from `raw` (a flag's value, else its variable's); defaults for the rest. */
export function rateLimitConfig(
  raw: (flag: RateLimitFlag, variable: string) => Raw | undefined,
): RateLimitOptions {
  const rate = (flag: RateLimitFlag, fallback: Rate | 'off') =>
    parseRate(raw(flag, FLAGS[flag])) ?? fallback;
  return {
    ...defaultRateLimitOptions,
    authFailures: rate('rate-limit-auth-failures', d.authFailures),
    apiToken: rate('rate-limit-api', d.apiToken),
    apiAddress: rate('rate-limit-api-address', d.apiAddress),
    sdkAddress: rate('rate-limit-sdk', d.sdkAddress),
    trustedProxies: trustedProxies(raw('trust-proxy', FLAGS['trust-proxy'])),
  };
}

/** `50/200` (50 a second, bursts of 200), `50` (bursts of 50), or `off`. */
function parseRate(raw: Raw | undefined): Rate | 'off' | undefined {
  if (raw === undefined) return undefined;
  if (raw.value === 'off') return 'off';
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(raw.value);
  const perSecond = Number(m?.[1]);
  const burst = m?.[2] === undefined ? Math.ceil(perSecond) : Number(m[2]);
  if (m === null || !(perSecond > 0) || !(burst >= 1) || !Number.isSafeInteger(burst)) {
    throw usageError(
      `${raw.source} must be <requests per second>/<burst> such as 50/200, or off (got "${raw.value}")`,
    );
  }
  return { perSecond, burst };
}

function trustedProxies(raw: Raw | undefined): ProxyBlock[] {
  if (raw === undefined) return [];
  return raw.value.split(',').map((entry) => {
    const block = parseProxyBlock(entry);
    if (block === undefined) {
      throw usageError(
        `${raw.source} must be addresses or CIDR blocks, comma-separated, such as 10.0.0.0/8,127.0.0.1 ("${entry.trim()}" is neither)`,
      );
    }
    return block;
  });
}
