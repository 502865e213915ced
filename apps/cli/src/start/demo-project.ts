import { seedDemoProject, type Origin } from '@vexil/origin';
import type { Store } from '@vexil/store';

/** The keys an SDK needs to connect to the demo project's production environment. */
export interface DemoKeys {
  readonly projectKey: string;
  readonly environmentKey: string;
  readonly sdkKey: string;
  readonly mobileKey: string;
  readonly clientSideId: string;
}

const PROJECT = 'default';
const ENVIRONMENT = 'production';

/**
 * Seeds the demo project on an empty store; on later starts reads its keys back (they may have
 * been rotated). Undefined when the demo project or its production environment was deleted.
 */
export async function prepareDemoProject(
  store: Store,
  origin: Origin,
): Promise<{ readonly keys: DemoKeys | undefined; readonly seeded: boolean }> {
  const seeded = await seedDemoProject(store, origin);
  const env = await store.getEnvironment(PROJECT, ENVIRONMENT);
  const keys =
    env === undefined
      ? undefined
      : {
          projectKey: PROJECT,
          environmentKey: ENVIRONMENT,
          sdkKey: env.sdkKey,
          mobileKey: env.mobileKey,
          clientSideId: env.id,
        };
  return { keys, seeded: seeded !== undefined };
}
