import type { ChangeBus } from '@vexil/bus';
import { defaultEdgeOptions, startCdnPurger, type CdnPurger, type EdgeOptions } from '@vexil/edge';
import type { Logger } from '@vexil/protocol';
import type { Registry } from 'prom-client';
import { usageError } from '../cli-error.js';
import type { Raw } from './config-checks.js';

// The CDN tier's settings of every role that runs an edge (`vexil start`, `vexil origin`,
// `vexil edge`), read from flags or environment variables (docs/cdn.md).

const FLAGS = {
  'cdn-purge': 'VEXIL_CDN_PURGE',
  'cdn-ttl': 'VEXIL_CDN_TTL',
  'cdn-grace': 'VEXIL_CDN_GRACE',
  'cdn-key-header': 'VEXIL_CDN_KEY_HEADER',
} as const;

export type CdnFlag = keyof typeof FLAGS;

export const CDN_FLAGS = Object.keys(FLAGS) as CdnFlag[];

const d = defaultEdgeOptions;

export const CDN_HELP = `CDN tier (docs/cdn.md):
  --cdn-purge                   Varnish URLs (comma-separated) to purge on every change: this
                                process becomes its cache tier's purger (default none)
  --cdn-ttl                     seconds a cache may keep a polling or evaluation answer; purges
                                end it sooner (default ${d.cdnTtlSeconds})
  --cdn-grace                   seconds a cache may serve it past that while no edge answers
                                (default ${d.cdnGraceSeconds})
  --cdn-key-header              header naming the purge tags: xkey (Varnish) or Surrogate-Key
                                (Fastly) (default ${d.cdnKeyHeader})
  Their environment variables: VEXIL_CDN_PURGE, VEXIL_CDN_TTL, VEXIL_CDN_GRACE,
  VEXIL_CDN_KEY_HEADER.`;

export interface CdnConfig {
  /** The caches this process purges (none: it purges nothing). */
  readonly purgeTargets: readonly string[];
  /** How the edge marks its answers for caches. */
  readonly edge: Pick<EdgeOptions, 'cdnTtlSeconds' | 'cdnGraceSeconds' | 'cdnKeyHeader'>;
}

/** The CDN settings from `raw` (a flag's value, else its variable's); defaults for the rest. */
export function cdnConfig(raw: (flag: CdnFlag, variable: string) => Raw | undefined): CdnConfig {
  const get = (flag: CdnFlag) => raw(flag, FLAGS[flag]);
  return {
    purgeTargets: purgeTargets(get('cdn-purge')),
    edge: {
      cdnTtlSeconds: wholeSeconds(get('cdn-ttl')) ?? d.cdnTtlSeconds,
      cdnGraceSeconds: wholeSeconds(get('cdn-grace')) ?? d.cdnGraceSeconds,
      cdnKeyHeader: keyHeader(get('cdn-key-header')) ?? d.cdnKeyHeader,
    },
  };
}

function purgeTargets(raw: Raw | undefined): string[] {
  if (raw === undefined) return [];
  return raw.value.split(',').map((entry) => {
    const text = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !['http:', 'https:'].includes(parsed.protocol)) {
      throw usageError(
        `${raw.source} must be http(s) URLs of Varnish, comma-separated, such as http://varnish-1:6081 ("${text}" is not one)`,
      );
    }
    return parsed.href;
  });
}

/** Up to a year: longer than that is a mistake, and caches cap it anyway. */
function wholeSeconds(raw: Raw | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,8}$/.test(raw.value) || Number(raw.value) > 31_536_000)
    throw usageError(
      `${raw.source} must be a whole number of seconds up to 31536000 (got "${raw.value}")`,
    );
  return Number(raw.value);
}

function keyHeader(raw: Raw | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(raw.value))
    throw usageError(
      `${raw.source} must be a header name such as xkey or Surrogate-Key (got "${raw.value}")`,
    );
  return raw.value;
}

/** The purger of `targets` on this process's bus; none without targets (docs/cdn.md section 4). */
export function startConfiguredPurger(
  targets: readonly string[],
  bus: ChangeBus,
  logger: Logger,
  metrics: Registry | undefined,
): CdnPurger | undefined {
  if (targets.length === 0) return undefined;
  return startCdnPurger({
    bus,
    targets,
    logger,
    ...(metrics === undefined ? {} : { metrics }),
  });
}
