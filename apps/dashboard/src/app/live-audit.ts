import { useEffect, useRef, type Dispatch, type SetStateAction } from 'react';

// The audit log shows its newest page (reloaded live as changes come) and the older pages the
// user loaded. When the newest page reloads, the entries it no longer holds were just above the
// older ones: they move into the older list, so the timeline keeps no gap and no entry twice.

interface Identified {
  readonly id: number;
}

/** The older entries after the newest page became `first`: what it pushed out, then the rest. */
export function keepPushedOut<E extends Identified>(
  previousFirst: readonly E[],
  older: readonly E[],
  first: readonly E[],
): E[] {
  const shown = new Set(first.map((e) => e.id));
  const kept = new Map<number, E>();
  for (const e of [...previousFirst, ...older]) if (!shown.has(e.id)) kept.set(e.id, e);
  return [...kept.values()].sort((a, b) => b.id - a.id);
}

/** Applies keepPushedOut to `setOlder` each time the newest page is replaced. */
export function useKeepPushedOut<E extends Identified>(
  first: { readonly items: readonly E[] } | undefined,
  setOlder: Dispatch<SetStateAction<{ items: E[]; nextBefore?: number }>>,
): void {
  const previous = useRef(first);
  useEffect(() => {
    const before = previous.current;
    previous.current = first;
    if (before === undefined || first === undefined || before === first) return;
    setOlder((o) =>
      o.items.length === 0 ? o : { ...o, items: keepPushedOut(before.items, o.items, first.items) },
    );
  }, [first, setOlder]);
}
