import { isJsonObject, type Logger } from '@vexil/protocol';
import { parseFlagMap, type EvaluatedFlag } from './evaluated-flags.js';
import type { FlagStorage } from './options.js';

// The last values per context, for an offline start: one storage key per client-side ID holding
// the evaluated-flag maps of the contexts used last, most recent first, as the `put` carries
// them. Bounded in contexts and in size (localStorage has about 5 MB per origin, shared with
// the rest of the site): the least recently written context goes first. Storage can fail at any
// time (quota, private browsing, another tab's write): a failure costs the offline start, never
// an evaluation.

/** At most this many contexts per client-side ID. */
export const STORED_CONTEXTS = 5;
/** At most this many characters (UTF-16 code units, what quotas count) per client-side ID. */
export const STORED_CHARACTERS = 1_000_000;

const FORMAT = 1;

interface StoredContext {
  readonly context: string;
  /** The evaluated-flag map as a `put` carries it (checked again when read). */
  readonly flags: Readonly<Record<string, unknown>>;
}

export class FlagCache {
  private readonly key: string;

  constructor(
    private readonly storage: FlagStorage | undefined,
    clientSideId: string,
    private readonly logger: Logger,
  ) {
    this.key = `vexil:flags:${clientSideId}`;
  }

  private entries(): StoredContext[] {
    let text: string | null = null;
    try {
      text = this.storage?.getItem(this.key) ?? null;
    } catch (e) {
      this.logger.warn({ err: e }, 'vexil-web: cannot read the stored flag values');
    }
    if (text === null) return [];
    try {
      const json: unknown = JSON.parse(text);
      if (!isJsonObject(json) || json['format'] !== FORMAT || !Array.isArray(json['contexts']))
        return [];
      const stored: StoredContext[] = [];
      for (const c of json['contexts']) {
        if (isJsonObject(c) && typeof c['context'] === 'string' && isJsonObject(c['flags']))
          stored.push({ context: c['context'], flags: c['flags'] });
      }
      return stored;
    } catch {
      return [];
    }
  }

  /** The values stored for the context with this canonical key, if any. */
  read(context: string): Map<string, EvaluatedFlag> | undefined {
    if (this.storage === undefined) return undefined;
    const stored = this.entries().find((c) => c.context === context);
    return stored === undefined ? undefined : parseFlagMap(stored.flags)?.flags;
  }

  /** Stores the values of this context as the most recent, dropping the oldest over the bounds. */
  write(context: string, flags: Iterable<[string, EvaluatedFlag]>): void {
    if (this.storage === undefined) return;
    const others = this.entries().filter((c) => c.context !== context);
    if (this.store([{ context, flags: Object.fromEntries(flags) }, ...others])) return;
    // This context alone does not fit: better no entry for it than the values of an older state.
    this.logger.warn(
      { context },
      'vexil-web: the flag values of this context do not fit in storage; no offline start for it',
    );
    this.store(others);
  }

  /** Writes the first contexts of `list` that fit; false when not even the first one does. */
  private store(list: readonly StoredContext[]): boolean {
    const kept = list.slice(0, STORED_CONTEXTS);
    while (kept.length > 0) {
      const text = JSON.stringify({ format: FORMAT, contexts: kept });
      if (text.length <= STORED_CHARACTERS && this.trySet(text)) return true;
      kept.pop();
    }
    this.remove();
    return list.length === 0;
  }

  private trySet(text: string): boolean {
    try {
      this.storage!.setItem(this.key, text);
      return true;
    } catch {
      return false;
    }
  }

  private remove(): void {
    try {
      this.storage!.removeItem(this.key);
    } catch {
      // nothing stored is what we wanted
    }
  }
}
