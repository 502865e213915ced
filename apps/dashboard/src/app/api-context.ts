import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client.js';
import type { Environment, Project } from '../api/types.js';

export interface Session {
  readonly api: ApiClient;
  readonly projects: readonly Project[];
  /** The current project's environments. */
  readonly environments: readonly Environment[];
  /** Reloads projects and environments (after creating or rotating). */
  refreshScope(): void;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a signed-in page');
  return session;
}

export function useApi(): ApiClient {
  return useSession().api;
}
