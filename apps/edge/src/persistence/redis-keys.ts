import type { ChangeKind } from '@vexil/protocol';

// The key layout LaunchDarkly SDKs read in daemon mode (docs/protocol.md section 8; js-core
// node-server-sdk-redis RedisCore): one hash per kind, field = item key, value = item JSON, and a
// `$inited` marker whose existence means "this prefix holds a complete data set".

export interface RedisKeys {
  readonly features: string;
  readonly segments: string;
  readonly inited: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    features: `${prefix}:features`,
    segments: `${prefix}:segments`,
    inited: `${prefix}:$inited`,
  };
}

export function hashOf(keys: RedisKeys, kind: ChangeKind): string {
  return kind === 'flag' ? keys.features : keys.segments;
}
