import { useCallback, useEffect, useState } from 'react';
import { useLiveReload } from './live.js';

// Loads data for a page: the value, or the failure, and a reload. A new key (or unmount)
// aborts the request in flight, so a slow answer never overwrites a newer page's data. A change
// committed anywhere that makes the data stale reloads it in place (live.tsx, live-keys.ts): the
// data shown stays until the new answer replaces it.

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
  /** Replaces the data without a request (after a write returned the new value). */
  set(value: T): void;
}

export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ key, loading: true, ...(s.key === key ? { data: s.data } : {}) }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ key, error, loading: false });
      },
    );
    return () => controller.abort();
    // `load` is a new closure every render: `key` names what it loads.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useLiveReload(key, reload);
  const set = useCallback((data: T) => setState({ key, data, loading: false }), [key]);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload,
    set,
  };
}
