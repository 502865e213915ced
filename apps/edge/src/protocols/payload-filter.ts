import { EdgeError } from '../http/respond.js';
import type { EnvironmentState, StateEvent, StoredItem } from '../state/environment-state.js';

// Payload filters (docs/protocol.md section 4.7): an SDK configured with `payloadFilterKey` sends
// `?filter=<key>` on its stream and polling requests, and is served only the flags of that
// filter (every segment still). The filter arrives as an item of the environment's change log,
// resolved by the origin to flag keys, so serving it is a set lookup per flag.

/** LaunchDarkly's SDKs accept exactly these keys for `payloadFilterKey`. */
const FILTER_KEY = /^[a-zA-Z0-9][\w.-]{0,255}$/;

/** The flags one payload filter serves. */
export interface FlagView {
  readonly key: string;
  includes(flagKey: string): boolean;
}

function viewOf(filter: StoredItem): FlagView {
  const served = filter.served ?? new Set<string>();
  return { key: filter.key, includes: (flagKey) => served.has(flagKey) };
}

/** What a payload memoized per view adds to its key: nothing for every flag, `|<filter>`. */
export function viewSuffix(view: FlagView | undefined): string {
  return view === undefined ? '' : `|${view.key}`;
}

/** The filter a request asks for (`?filter=`), or undefined for every flag. */
export function requestedView(
  state: EnvironmentState,
  url: URL,
  project: string,
): FlagView | undefined {
  const key = url.searchParams.get('filter');
  if (key === null || key === '') return undefined;
  if (!FILTER_KEY.test(key)) {
    throw new EdgeError(
      'BAD_REQUEST',
      'filter must be a payload filter key: letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  const view = currentView(state, key);
  if (view === undefined) {
    throw new EdgeError(
      'NOT_FOUND',
      `no payload filter "${key}" in project "${project}": create it with POST /api/v1/projects/${project}/filters, or remove the SDK's payloadFilterKey`,
    );
  }
  return view;
}

/** The view of a filter now, or undefined when there is none (or it was deleted). */
function currentView(state: EnvironmentState, key: string): FlagView | undefined {
  const filter = state.filters.get(key);
  return filter === undefined || filter.deleted ? undefined : viewOf(filter);
}

/** Whether a stream with this view gets the item: every segment, the flags the filter serves. */
export function inView(view: FlagView | undefined, item: StoredItem): boolean {
  if (item.kind === 'filter') return false;
  return view === undefined || item.kind === 'segment' || view.includes(item.key);
}

/**
 * Routes one state event to a protocol's streams by view: to the unfiltered streams and to those
 * of every live filter. A change to a filter itself goes only to that filter's streams, as a
 * reset (they get a new full payload), or ends them (`closeFilter`) when it was deleted: the
 * SDK reconnects and is told the filter does not exist.
 */
export function fanOutByView(
  state: EnvironmentState,
  event: StateEvent,
  to: (event: StateEvent, view: FlagView | undefined) => void,
  closeFilter: (key: string) => void,
): void {
  if (event.type === 'change' && event.item.kind === 'filter') {
    const view = currentView(state, event.item.key);
    if (view === undefined) closeFilter(event.item.key);
    else to({ type: 'reset' }, view);
    return;
  }
  to(event, undefined);
  for (const filter of state.filters.values()) if (!filter.deleted) to(event, viewOf(filter));
}
