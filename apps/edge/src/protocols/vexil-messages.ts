import type { Change } from '@vexil/protocol';
import type { EnvironmentState, StoredItem } from '../state/environment-state.js';
import { sseEvent } from './sse.js';

// The Vexil stream's two messages (docs/protocol.md section 6), each serialized once and framed
// for both transports: SSE events with `id: <seq>`, and WebSocket text frames whose JSON carries
// a `type`. A `put` is built once per environment version; a `change` once per change, whether
// it goes out live or later to a client resuming past it.

export type Transport = 'sse' | 'ws';

function itemsMap(items: Map<string, StoredItem>): string {
  const parts: string[] = [];
  for (const [key, item] of items) parts.push(`${JSON.stringify(key)}:${item.text}`);
  return `{${parts.join(',')}}`;
}

/** `{"type":name, ...body}` from a serialized JSON object `body`. */
const typed = (name: string, body: string): Buffer =>
  Buffer.from(`{"type":"${name}",${body.slice(1)}`);

/** The environment's full data at its seq, tombstones included (a chained edge keeps versions). */
export function putMessage(state: EnvironmentState, transport: Transport): Buffer {
  return state.derived(`vexil-put-${transport}`, () => {
    const body = state.derived(
      'vexil-put-body',
      () =>
        `{"environmentId":${JSON.stringify(state.id)},"seq":${state.seq},` +
        `"flags":${itemsMap(state.flags)},"segments":${itemsMap(state.segments)}` +
        // Payload filters, once a project has any: `change` events carry them too.
        (state.filters.size === 0 ? '}' : `,"filters":${itemsMap(state.filters)}}`),
    );
    return transport === 'sse' ? sseEvent('put', body, state.seq) : typed('put', body);
  });
}

interface Framed {
  body: string;
  sse?: Buffer;
  ws?: Buffer;
}

// Keyed by the change object the environment's history holds: an entry lives as long as the
// change can still be resumed from.
const framed = new WeakMap<Change, Framed>();

/**
 * The wire `Change`. `itemText` is the item as the state already serialized it (live changes);
 * changes read back from the history serialize their item here, once.
 */
export function changeMessage(change: Change, transport: Transport, itemText?: string): Buffer {
  let entry = framed.get(change);
  if (entry === undefined) {
    const item = itemText ?? JSON.stringify(change.item);
    entry = {
      body:
        `{"environmentId":${JSON.stringify(change.environmentId)},"seq":${change.seq},` +
        `"kind":"${change.kind}","key":${JSON.stringify(change.key)},"version":${change.version},` +
        `"item":${item},"committedAt":${change.committedAt}}`,
    };
    framed.set(change, entry);
  }
  if (transport === 'sse') return (entry.sse ??= sseEvent('change', entry.body, change.seq));
  return (entry.ws ??= typed('change', entry.body));
}

/**
 * Where a client resumes from: the changes after `since` when the history still holds them
 * (possibly none), or undefined when it needs a full `put`.
 */
/** The seq a `since` says the client has (0 for none): an edge behind it waits to catch up. */
export function sinceSeq(since: string | null): number {
  return since !== null && /^\d{1,15}$/.test(since.trim()) ? Number(since.trim()) : 0;
}

export function resumeFrom(
  state: EnvironmentState,
  since: string | null,
): readonly Change[] | undefined {
  if (since === null || !/^\d{1,15}$/.test(since.trim())) return undefined;
  return state.changesSince(sinceSeq(since));
}
