import type { Lookup } from '@vexil/evaluation';
import {
  parseFlag,
  parseSegment,
  type Change,
  type ChangeKind,
  type EnvironmentSnapshot,
  type Flag,
  type JsonObject,
  type JsonValue,
  type Segment,
} from '@vexil/protocol';

// One environment's SDK data on the edge: snapshot at seq S plus every change after S, applied
// strictly in order (docs/protocol.md section 5). A change whose seq is not S+1 is never applied:
// an older one is a duplicate, a newer one is a gap that calls for a resync.

export interface StoredItem {
  readonly kind: ChangeKind;
  readonly key: string;
  readonly version: number;
  readonly deleted: boolean;
  /** The item exactly as the origin published it. */
  readonly json: JsonObject;
  /** `json` serialized once, reused by every payload that carries the item. */
  readonly text: string;
  /** Parsed for evaluation (flags and segments that are not tombstones). */
  readonly flag?: Flag;
  readonly segment?: Segment;
  /** A payload filter's flag keys (filters that are not tombstones). */
  readonly served?: ReadonlySet<string>;
}

export type ApplyResult = 'applied' | 'duplicate' | 'gap';

export type StateEvent =
  | { readonly type: 'reset' }
  | {
      readonly type: 'change';
      readonly change: Change;
      readonly previous: StoredItem | undefined;
      readonly item: StoredItem;
    };

export interface EnvironmentStateOptions {
  /** Changes kept for resuming clients without a full payload. */
  readonly historySize: number;
}

export class EnvironmentState {
  seq = 0;
  /** False until the first snapshot is applied. */
  ready = false;
  readonly flags = new Map<string, StoredItem>();
  readonly segments = new Map<string, StoredItem>();
  /** The project's payload filters, by filter key (never served to SDKs as items). */
  readonly filters = new Map<string, StoredItem>();
  /** Unix ms of the last snapshot or change applied. */
  updatedAt = 0;
  private history: Change[] = [];
  /** The seq the history starts after: changes (historyBase, seq] are retained. */
  private historyBase = 0;
  private readonly memo = new Map<string, unknown>();
  private readonly listeners = new Set<(event: StateEvent) => void>();

  readonly lookup: Lookup = {
    getFlag: (key) => this.flags.get(key)?.flag,
    getSegment: (key) => this.segments.get(key)?.segment,
  };

  constructor(
    readonly id: string,
    private readonly options: EnvironmentStateOptions,
  ) {}

  onEvent(listener: (event: StateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The items of one kind, by key. */
  items(kind: ChangeKind): Map<string, StoredItem> {
    return kind === 'flag' ? this.flags : kind === 'segment' ? this.segments : this.filters;
  }

  applySnapshot(snapshot: EnvironmentSnapshot, now: number): void {
    for (const map of [this.flags, this.segments, this.filters]) map.clear();
    for (const entry of snapshot.items) {
      const item = storedItem(entry.kind, entry.key, entry.version, entry.item);
      this.items(entry.kind).set(entry.key, item);
    }
    this.seq = snapshot.seq;
    this.history = [];
    this.historyBase = snapshot.seq;
    this.ready = true;
    this.updatedAt = now;
    this.memo.clear();
    this.emit({ type: 'reset' });
  }

  applyChange(change: Change, now: number): ApplyResult {
    if (!this.ready || change.seq <= this.seq) return 'duplicate';
    if (change.seq !== this.seq + 1) return 'gap';
    const map = this.items(change.kind);
    const previous = map.get(change.key);
    const item = storedItem(change.kind, change.key, change.version, change.item);
    map.set(change.key, item);
    this.seq = change.seq;
    this.history.push(change);
    if (this.history.length > this.options.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.options.historySize);
      this.historyBase = dropped[dropped.length - 1]!.seq;
    }
    this.updatedAt = now;
    this.memo.clear();
    this.emit({ type: 'change', change, previous, item });
    return 'applied';
  }

  /** The state as a snapshot (tombstones included), to hand to another edge or process. */
  snapshot(): EnvironmentSnapshot {
    const items = [];
    for (const map of [this.flags, this.segments, this.filters]) {
      for (const item of map.values())
        items.push({ kind: item.kind, key: item.key, version: item.version, item: item.json });
    }
    return { environmentId: this.id, seq: this.seq, items };
  }

  /** Changes after `seq` up to now, or undefined when the history no longer reaches back. */
  changesSince(seq: number): readonly Change[] | undefined {
    if (seq > this.seq || seq < this.historyBase) return undefined;
    return this.history.slice(this.history.length - (this.seq - seq));
  }

  /**
   * A value derived from the current state (a serialized payload, an ETag), built at most once
   * per state: every snapshot or change forgets them. This is how a full payload is serialized
   * once per environment version, not once per client.
   */
  derived<T>(key: string, build: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = build();
    this.memo.set(key, value);
    return value;
  }

  private emit(event: StateEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function storedItem(kind: ChangeKind, key: string, version: number, json: JsonValue): StoredItem {
  const object = (
    typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {}
  ) as JsonObject;
  const base = {
    kind,
    key,
    version,
    deleted: object['deleted'] === true,
    json: object,
    text: JSON.stringify(object),
  };
  if (base.deleted) return base;
  if (kind === 'filter') {
    const flags = object['flags'];
    const keys = Array.isArray(flags) ? flags.filter((k) => typeof k === 'string') : [];
    return { ...base, served: new Set(keys) };
  }
  if (kind === 'flag') {
    const parsed = parseFlag(object, key);
    return parsed.ok ? { ...base, flag: parsed.value } : base;
  }
  const parsed = parseSegment(object, key);
  return parsed.ok ? { ...base, segment: parsed.value } : base;
}
