import { sameResult, type EvaluatedFlag } from './evaluated-flags.js';

/**
 * The results held for one context, updated as the stream's `put`, `patch` and `delete` say
 * (docs/protocol.md section 4.4). Each update answers which keys an application would see
 * change: value, variation or reason (a new `flagVersion` alone updates the metadata quietly).
 */
export class HeldFlags {
  private readonly flags: Map<string, EvaluatedFlag>;
  /** The version of each deleted key, so that an older patch cannot bring it back. */
  private readonly tombstones = new Map<string, number>();

  constructor(flags: ReadonlyMap<string, EvaluatedFlag> = new Map()) {
    this.flags = new Map(flags);
  }

  get(key: string): EvaluatedFlag | undefined {
    return this.flags.get(key);
  }

  /** The live results, for storage. */
  entries(): IterableIterator<[string, EvaluatedFlag]> {
    return this.flags.entries();
  }

  /** The keys whose results differ between `this` and `next` (added and removed ones included). */
  changedIn(next: HeldFlags): string[] {
    const changed: string[] = [];
    for (const [key, flag] of this.flags)
      if (!sameResult(flag, next.flags.get(key))) changed.push(key);
    for (const key of next.flags.keys()) if (!this.flags.has(key)) changed.push(key);
    return changed;
  }

  private heldVersion(key: string): number {
    return this.flags.get(key)?.version ?? this.tombstones.get(key) ?? -Infinity;
  }

  /** A patch: `applied` when its version is newer, `changed` when the application would see it. */
  upsert(key: string, flag: EvaluatedFlag): { applied: boolean; changed: boolean } {
    if (flag.version <= this.heldVersion(key)) return { applied: false, changed: false };
    const before = this.flags.get(key);
    this.flags.set(key, flag);
    this.tombstones.delete(key);
    return { applied: true, changed: !sameResult(before, flag) };
  }

  /** A delete, by the same rule. */
  remove(key: string, version: number): { applied: boolean; changed: boolean } {
    if (version <= this.heldVersion(key)) return { applied: false, changed: false };
    const had = this.flags.delete(key);
    this.tombstones.set(key, version);
    return { applied: true, changed: had };
  }
}
