import type { EnvironmentState, StoredItem } from '../state/environment-state.js';
import { inView, viewSuffix, type FlagView } from './payload-filter.js';
import { sseEvent } from './sse.js';

// LaunchDarkly FDv2 payloads (docs/protocol.md section 4.2). What the SDK does with them is in
// js-core packages/shared/common/src/internal/fdv2/protocolHandler.ts: objects are buffered from
// `server-intent` until `payload-transferred`, then applied at once; after the first transfer
// the handler stays in the "changes" state, so a live change is its objects plus a
// `payload-transferred` carrying the new selector, with no new intent.

export type TransferReason = 'payload-missing' | 'stale';

/** What a client gets on connect or poll, decided by the `basis` selector it sent. */
export type Transfer =
  | { readonly intent: 'xfer-full'; readonly reason: TransferReason }
  | { readonly intent: 'xfer-changes'; readonly items: readonly StoredItem[] }
  | { readonly intent: 'none' };

interface Fdv2Event {
  readonly name: string;
  /** The event's data, serialized. */
  readonly data: string;
}

/**
 * The selector (`payload-transferred.state`, sent back as `basis`): the environment and its seq.
 * Opaque to SDKs; an edge of the same fleet reads it back, whichever edge issued it.
 */
export function selectorOf(state: EnvironmentState): string {
  return `${state.id}:${state.seq}`;
}

export function parseSelector(text: string): { environmentId: string; seq: number } | undefined {
  const colon = text.lastIndexOf(':');
  const digits = text.slice(colon + 1);
  if (colon <= 0 || !/^\d{1,15}$/.test(digits)) return undefined;
  return { environmentId: text.slice(0, colon), seq: Number(digits) };
}

/**
 * The seq a `basis` says the client already has of `environmentId` (0 for none, or another
 * environment's): an edge behind it waits to catch up rather than move the client backwards.
 */
export function basisSeq(basis: string | null, environmentId: string): number {
  const selector = basis === null ? undefined : parseSelector(basis);
  return selector?.environmentId === environmentId ? selector.seq : 0;
}

/**
 * Up to date -> `none`; a basis the history still reaches -> `xfer-changes` with the latest
 * value of each item changed since (of the payload filter's flags, with one); no basis ->
 * `xfer-full`; anything else (malformed, another environment, older than the history, ahead of
 * this edge, a change to the filter itself) -> `xfer-full` as well.
 */
export function planTransfer(
  state: EnvironmentState,
  basis: string | null,
  view?: FlagView,
): Transfer {
  if (basis === null || basis === '') return { intent: 'xfer-full', reason: 'payload-missing' };
  const selector = parseSelector(basis);
  const changes =
    selector?.environmentId === state.id ? state.changesSince(selector.seq) : undefined;
  if (changes === undefined) return { intent: 'xfer-full', reason: 'stale' };
  // The latest change to an item is its current value: send that once, in last-change order.
  const items = new Set<StoredItem>();
  for (const change of changes) {
    if (change.kind === 'filter' && change.key === view?.key)
      return { intent: 'xfer-full', reason: 'stale' };
    const item = state.items(change.kind).get(change.key);
    if (item === undefined || !inView(view, item)) continue;
    items.delete(item);
    items.add(item);
  }
  return items.size === 0 ? { intent: 'none' } : { intent: 'xfer-changes', items: [...items] };
}

function intent(state: EnvironmentState, code: string, reason: string): Fdv2Event {
  const id = JSON.stringify(state.id);
  const payload = `{"id":${id},"target":${state.seq},"intentCode":"${code}","reason":"${reason}"}`;
  return { name: 'server-intent', data: `{"payloads":[${payload}]}` };
}

function objectEvent(item: StoredItem): Fdv2Event {
  const head = `"kind":"${item.kind}","key":${JSON.stringify(item.key)},"version":${item.version}`;
  return item.deleted
    ? { name: 'delete-object', data: `{${head}}` }
    : { name: 'put-object', data: `{${head},"object":${item.text}}` };
}

function transferred(state: EnvironmentState): Fdv2Event {
  return {
    name: 'payload-transferred',
    data: `{"state":${JSON.stringify(selectorOf(state))},"version":${state.seq}}`,
  };
}

/** Every live item (tombstones are left out: a full transfer replaces the SDK's whole store). */
function fullBody(state: EnvironmentState, view: FlagView | undefined): readonly Fdv2Event[] {
  return state.derived(`fdv2-full-body${viewSuffix(view)}`, () => {
    const events: Fdv2Event[] = [];
    for (const items of [state.flags, state.segments])
      for (const item of items.values())
        if (!item.deleted && inView(view, item)) events.push(objectEvent(item));
    events.push(transferred(state));
    return events;
  });
}

function transferEvents(
  state: EnvironmentState,
  transfer: Transfer,
  view: FlagView | undefined,
): readonly Fdv2Event[] {
  switch (transfer.intent) {
    case 'none':
      return [intent(state, 'none', 'up-to-date')];
    case 'xfer-changes':
      return [
        intent(state, 'xfer-changes', 'stale'),
        ...transfer.items.map(objectEvent),
        transferred(state),
      ];
    case 'xfer-full':
      return [intent(state, 'xfer-full', transfer.reason), ...fullBody(state, view)];
  }
}

const toSse = (events: readonly Fdv2Event[]): Buffer =>
  Buffer.concat(events.map((e) => sseEvent(e.name, e.data)));

const toPoll = (events: readonly Fdv2Event[]): string =>
  `{"events":[${events.map((e) => `{"event":"${e.name}","data":${e.data}}`).join(',')}]}`;

/** The transfer as SSE events; a full one is serialized once per environment version. */
export function streamTransfer(
  state: EnvironmentState,
  transfer: Transfer,
  view?: FlagView,
): Buffer {
  if (transfer.intent !== 'xfer-full') return toSse(transferEvents(state, transfer, view));
  return state.derived(`fdv2-sse-full-${transfer.reason}${viewSuffix(view)}`, () =>
    toSse(transferEvents(state, transfer, view)),
  );
}

/** The transfer as the `/sdk/poll` body `{"events":[...]}`. */
export function pollTransfer(state: EnvironmentState, transfer: Transfer, view?: FlagView): string {
  if (transfer.intent !== 'xfer-full') return toPoll(transferEvents(state, transfer, view));
  return state.derived(`fdv2-poll-full-${transfer.reason}${viewSuffix(view)}`, () =>
    toPoll(transferEvents(state, transfer, view)),
  );
}

/** One live change for connected streams: the object and the selector that now includes it. */
export function changeMessage(state: EnvironmentState, item: StoredItem): Buffer {
  return toSse([objectEvent(item), transferred(state)]);
}

/** Written before a server-initiated close (drain, lifetime, revocation). */
export const GOODBYE = sseEvent(
  'goodbye',
  JSON.stringify({ reason: 'the edge is closing this stream', silent: false, catastrophe: false }),
);
