import { EdgeStream } from './edge-stream.js';
import type { EvaluatedFlag } from './evaluated-flags.js';
import type { FlagCache } from './flag-cache.js';
import { HeldFlags } from './held-flags.js';
import type { ResolvedOptions } from './options.js';
import type { StreamFailure } from './stream-failure.js';
import { streamUrl, type WebContext } from './web-context.js';

// Everything the provider holds for one context: its values (from storage until the edge's
// `put`, from the edge after), the stream that updates them, and the secure-mode hash. A context
// change closes the session and opens another, so values never cross from one context to the
// next.

export interface SessionListener {
  /** The edge's `put` arrived; `changed` lists the keys that differ from what was held. */
  live(changed: readonly string[]): void;
  /** A patch or delete changed what the application sees for these keys. */
  changed(keys: readonly string[]): void;
  failed(failure: StreamFailure): void;
}

export class ContextSession {
  private held: HeldFlags | undefined;
  private fromStorage = false;
  private hash: string | undefined;
  private readonly stream: EdgeStream;

  constructor(
    readonly context: WebContext,
    private readonly options: ResolvedOptions,
    private readonly cache: FlagCache,
    private readonly listener: SessionListener,
  ) {
    const stored = cache.read(context.canonicalKey);
    if (stored !== undefined) {
      this.held = new HeldFlags(stored);
      this.fromStorage = true;
    }
    this.stream = new EdgeStream(
      { ...options, url: () => this.url() },
      {
        put: (flags) => this.put(flags),
        patch: (key, flag) => this.update(key, (held) => held.upsert(key, flag)),
        remove: (key, version) => this.update(key, (held) => held.remove(key, version)),
        failed: (failure) => listener.failed(failure),
      },
    );
  }

  /** The values for this context, if any arrived or were stored. */
  get flags(): HeldFlags | undefined {
    return this.held;
  }

  /** Whether the values are the stored ones: the edge has not answered yet. */
  get cached(): boolean {
    return this.fromStorage;
  }

  start(): void {
    this.stream.start();
  }

  close(): void {
    this.stream.close();
  }

  /** Drops stored values: the edge refused this context, so they are not to be served. */
  forgetStored(): void {
    if (!this.fromStorage) return;
    this.held = undefined;
    this.fromStorage = false;
  }

  private async url(): Promise<string> {
    const { hash, baseUrl, clientSideId } = this.options;
    if (typeof hash === 'function' && this.hash === undefined) {
      const signed: unknown = await hash(this.context.source);
      if (typeof signed !== 'string' || signed === '')
        throw new TypeError(`it returned ${JSON.stringify(signed)}, not a hex string`);
      this.hash = signed;
    }
    return streamUrl(
      baseUrl,
      clientSideId,
      this.context,
      typeof hash === 'function' ? this.hash : hash,
    );
  }

  private put(flags: Map<string, EvaluatedFlag>): void {
    const next = new HeldFlags(flags);
    const changed = this.held?.changedIn(next) ?? [];
    this.held = next;
    this.fromStorage = false;
    // The application hears first; storage (a synchronous write) can wait for its handlers.
    this.listener.live(changed);
    this.save();
  }

  private update(key: string, apply: (held: HeldFlags) => { applied: boolean; changed: boolean }) {
    // A patch only follows a put on the same connection; without one there is nothing to patch.
    if (this.held === undefined || this.fromStorage) return;
    const { applied, changed } = apply(this.held);
    if (changed) this.listener.changed([key]);
    if (applied) this.save();
  }

  private save(): void {
    if (this.held !== undefined) this.cache.write(this.context.canonicalKey, this.held.entries());
  }
}
