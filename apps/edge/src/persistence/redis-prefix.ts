import type { EnvironmentDescriptor } from '@vexil/protocol';

/**
 * Where an environment's data goes unless the operator says otherwise: `vexil:<projectKey>:<envKey>`.
 * Keys rather than the environment id so that an SDK's configuration reads like the dashboard
 * (`prefix: 'vexil:shop:production'`); the `vexil:` namespace keeps it apart from a Relay's
 * default `launchdarkly` prefix on a shared Redis.
 */
export const defaultRedisPrefixTemplate = 'vexil:{project}:{environment}';

export type EnvironmentKeys = Pick<EnvironmentDescriptor, 'projectKey' | 'key'>;

const PLACEHOLDERS = ['project', 'environment', 'environmentId'] as const;

export class RedisPrefixError extends Error {
  readonly code = 'INVALID_REDIS_PREFIX';
}

/**
 * Turns a prefix template into the `prefix` function of `redisPersistence`. Placeholders:
 * `{project}` (project key), `{environment}` (environment key), `{environmentId}`. An
 * environment `describe` does not know is not persisted. Throws `RedisPrefixError` for an
 * unknown placeholder, so a typo fails at startup rather than writing to a literal `{enviroment}`.
 */
export function redisPrefix(
  template: string,
  describe: (environmentId: string) => EnvironmentKeys | undefined,
): (environmentId: string) => string | undefined {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new RedisPrefixError(
      `unknown placeholder {${unknown[0]}} in the Redis prefix "${template}"; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
    );
  if (template === '' || template.endsWith(':'))
    throw new RedisPrefixError(
      `the Redis prefix "${template}" must be non-empty and not end with ":" (":" is added before each key)`,
    );
  return (environmentId) => {
    const env = describe(environmentId);
    if (env === undefined) return undefined;
    return template
      .replaceAll('{project}', env.projectKey)
      .replaceAll('{environment}', env.key)
      .replaceAll('{environmentId}', environmentId);
  };
}
