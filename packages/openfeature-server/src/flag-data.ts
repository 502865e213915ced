import { isDeepStrictEqual } from 'node:util';
import type { Lookup } from '@vexil/evaluation';
import {
  isJsonObject,
  parseFlag,
  parseSegment,
  type Flag,
  type JsonObject,
  type JsonValue,
  type Segment,
} from '@vexil/protocol';
import { affectedFlags } from './affected-flags.js';

// The environment's flags and segments as the provider holds them (docs/protocol.md sections 2
// and 6): every item as received, tombstones included so that versions keep ordering updates,
// and parsed once for evaluation. An item that does not parse is kept with its error, so that
// evaluating it answers PARSE_ERROR while every other flag still evaluates.

export type ItemKind = 'flag' | 'segment';

export interface HeldItem {
  readonly key: string;
  readonly version: number;
  readonly deleted: boolean;
  /** The item exactly as received, for the snapshot file. */
  readonly json: JsonValue;
  readonly flag?: Flag;
  readonly segment?: Segment;
  /** Why the item could not be parsed (absent for parsed items and tombstones). */
  readonly parseError?: string;
}

/** Everything held at one moment: what `replace` takes, and what a snapshot file stores. */
export interface DataSnapshot {
  readonly flags: Readonly<Record<string, JsonValue>>;
  readonly segments: Readonly<Record<string, JsonValue>>;
  /** The environment seq the data is at; absent for bootstrap data, which cannot resume. */
  readonly seq?: number | undefined;
  readonly environmentId?: string | undefined;
}

function heldItem(kind: ItemKind, key: string, json: JsonValue): HeldItem {
  const object = isJsonObject(json) ? json : undefined;
  const rawVersion = object?.['version'];
  const version =
    typeof rawVersion === 'number' && Number.isSafeInteger(rawVersion) ? rawVersion : 0;
  if (object === undefined)
    return { key, version, deleted: false, json, parseError: `the ${kind} is not a JSON object` };
  if (object['deleted'] === true) return { key, version, deleted: true, json };
  const parsed = kind === 'flag' ? parseFlag(object, key) : parseSegment(object, key);
  if (!parsed.ok) return { key, version, deleted: false, json, parseError: parsed.error.message };
  return kind === 'flag'
    ? { key, version, deleted: false, json, flag: parsed.value as Flag }
    : { key, version, deleted: false, json, segment: parsed.value as Segment };
}

/** Whether two versions of an item evaluate alike; absent and deleted are the same thing. */
function sameItem(a: HeldItem | undefined, b: HeldItem | undefined): boolean {
  const goneA = a === undefined || a.deleted;
  const goneB = b === undefined || b.deleted;
  if (goneA || goneB) return goneA && goneB;
  return a.version === b.version && a.deleted === b.deleted && isDeepStrictEqual(a.json, b.json);
}

function itemsOf(
  kind: ItemKind,
  source: Readonly<Record<string, JsonValue>>,
): Map<string, HeldItem> {
  const items = new Map<string, HeldItem>();
  for (const [key, json] of Object.entries(source)) items.set(key, heldItem(kind, key, json));
  return items;
}

function changedKeys(
  before: ReadonlyMap<string, HeldItem>,
  after: ReadonlyMap<string, HeldItem>,
): string[] {
  const keys: string[] = [];
  for (const [key, item] of after) if (!sameItem(before.get(key), item)) keys.push(key);
  for (const key of before.keys()) if (!after.has(key)) keys.push(key);
  return keys;
}

export class FlagData {
  flags = new Map<string, HeldItem>();
  segments = new Map<string, HeldItem>();
  /** The seq to resume the stream from (`Last-Event-ID`); undefined: ask for a full `put`. */
  seq: number | undefined;
  environmentId: string | undefined;
  /** Whether any data is held (from the stream, a snapshot file or a bootstrap). */
  loaded = false;

  readonly lookup: Lookup = {
    getFlag: (key) => this.flags.get(key)?.flag,
    getSegment: (key) => this.segments.get(key)?.segment,
  };

  /**
   * Replaces everything held (a `put`, a snapshot file, a bootstrap). Returns the keys of the
   * flags whose evaluation may differ from before; none when nothing was held.
   */
  replace(snapshot: DataSnapshot): string[] {
    const before = { flags: this.flags, segments: this.segments };
    const after = {
      flags: itemsOf('flag', snapshot.flags),
      segments: itemsOf('segment', snapshot.segments),
    };
    const wasLoaded = this.loaded;
    this.flags = after.flags;
    this.segments = after.segments;
    this.seq = snapshot.seq;
    this.environmentId = snapshot.environmentId;
    this.loaded = true;
    if (!wasLoaded) return [];
    return affectedFlags(
      this,
      changedKeys(before.flags, after.flags),
      changedKeys(before.segments, after.segments),
    );
  }

  /**
   * Applies one item from a `change` if its version is greater than the one held (docs/protocol.md
   * section 2). Returns the keys of the flags whose evaluation may differ; none if not applied.
   */
  apply(kind: ItemKind, key: string, version: number, json: JsonValue): string[] {
    const items = kind === 'flag' ? this.flags : this.segments;
    const previous = items.get(key);
    if (previous !== undefined && version <= previous.version) return [];
    items.set(key, { ...heldItem(kind, key, json), version });
    return affectedFlags(this, kind === 'flag' ? [key] : [], kind === 'segment' ? [key] : []);
  }

  /** What the snapshot file stores: every item as received, with the seq to resume from. */
  snapshot(): DataSnapshot {
    const json = (items: ReadonlyMap<string, HeldItem>) => {
      const out: JsonObject = {};
      for (const [key, item] of items) out[key] = item.json;
      return out;
    };
    return {
      seq: this.seq,
      environmentId: this.environmentId,
      flags: json(this.flags),
      segments: json(this.segments),
    };
  }
}
