import type { EdgeContext } from '../edge-context.js';
import type { Credential } from '../state/registry.js';
import type { FlagView } from './payload-filter.js';

// What a cacheable answer tells a surrogate cache (docs/cdn.md section 3): how long to keep it,
// the tags a purge names it by, and the environment seq and directory revision it was made from,
// which the cache compares with its purge floors (section 4). Only 200s (and polling's 304s)
// carry them: an error is never cached. The route's own Cache-Control is what clients go by; the
// cache strips these before answering them.

/** What a cacheable answer was made from. */
export interface CachedAnswer {
  readonly credential: Credential;
  /** The environment's seq the answer was made from; absent when it depends on no flag (goals). */
  readonly seq?: number;
  /** The payload filter it was made for (`?filter=`). */
  readonly view?: FlagView | undefined;
  /**
   * When the answer stops being one the edge would give (Unix ms), besides the credential's
   * expiry: a secure-mode answer whose `h` was signed with a rotated-out key.
   */
  readonly expiresAt?: number | undefined;
}

type CdnContext = Pick<EdgeContext, 'options' | 'now'>;

/** `Surrogate-Control`: the TTL, or the seconds left until `expiresAt` and no stale serving. */
function surrogateControl({ options, now }: CdnContext, expiresAt: number): string {
  if (expiresAt === Infinity)
    return `max-age=${options.cdnTtlSeconds}, stale-if-error=${options.cdnGraceSeconds}`;
  const left = Math.max(0, Math.floor((expiresAt - now()) / 1000));
  return `max-age=${Math.min(options.cdnTtlSeconds, left)}, stale-if-error=0`;
}

/**
 * The surrogate headers of a cacheable answer. A credential with an expiry (a key rotated with
 * grace) caps the answer's freshness at it, so no cache holds an answer past the moment the edge
 * would refuse its request.
 */
export function cdnHeaders(ctx: CdnContext, answer: CachedAnswer): Record<string, string> {
  const { credential, seq, view } = answer;
  const env = credential.environment.id;
  const expiresAt = Math.min(answer.expiresAt ?? Infinity, credential.expiresAt ?? Infinity);
  const tags = ['vexil-all', `vexil-env-${env}`, `vexil-dir-${credential.directoryKey}`];
  if (view !== undefined) tags.push(`vexil-env-${env}-filter-${view.key}`);
  return {
    'surrogate-control': surrogateControl(ctx, expiresAt),
    [ctx.options.cdnKeyHeader]: tags.join(' '),
    'x-vexil-env': env,
    ...(seq === undefined ? {} : { 'x-vexil-seq': String(seq) }),
    'x-vexil-credential': credential.directoryKey,
    'x-vexil-revision': String(credential.revision),
  };
}
