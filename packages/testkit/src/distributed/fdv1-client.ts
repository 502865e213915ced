import { setTimeout as delay } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { fetchTransport, type SseTransport } from './sse-transport.js';

// A lightweight LaunchDarkly FDv1 streaming client (docs/protocol.md section 4.1) for system
// tests and benchmarks: hundreds of them fit in one process. It applies events with the SDKs'
// semantics (a `put` replaces everything; a `patch` or `delete` applies only when its version
// is greater than the held one), reconnects with backoff to the next endpoint of its list
// sending `Last-Event-ID`, and records every event that would move it backwards.

export type ItemKind = 'flags' | 'segments';

export interface HeldItem {
  readonly version: number;
  readonly deleted: boolean;
}

export interface Violation {
  readonly client: string;
  readonly endpoint: string;
  /** `version`: an item older than the held one; `seq`: an event id older than the last one. */
  readonly kind: 'version' | 'seq';
  readonly event: string;
  readonly key?: string;
  readonly held: number;
  readonly received: number;
}

/** A patch or delete as it arrived, with its arrival time (`performance.now()`). */
export interface ItemReceived {
  readonly kind: ItemKind;
  readonly key: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly at: number;
}

export interface Fdv1ClientOptions {
  readonly name: string;
  readonly sdkKey: string;
  /** Base URLs; the first is the client's home, the others are tried in order after it. */
  readonly endpoints: readonly string[];
  /**
   * Whether an endpoint passes its health check now, as a load balancer or a DNS service with
   * health checks sees it: reconnects skip the endpoints that fail it, in list order, unless
   * every one fails (then the list is tried as it is: both fail open). Default: all pass.
   */
  readonly healthy?: (endpoint: string) => boolean;
  /** Nothing received (not even a heartbeat) for this long = a dead connection. Default 3 s. */
  readonly silenceTimeoutMs?: number;
  /** Response headers must arrive within this. Default 6 s (an edge that is behind waits 5 s). */
  readonly connectTimeoutMs?: number;
  /** Reconnect delay: doubles from `initialBackoffMs` to `maxBackoffMs`, with jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onItem?: (item: ItemReceived) => void;
  /** How streams are opened and read (default `fetch`). */
  readonly transport?: SseTransport;
}

export interface Fdv1ClientStats {
  /** Streams that delivered a `put`. */
  streams: number;
  /** Attempts answered with another status than 200, by status. */
  refusals: Record<number, number>;
  /** Attempts that failed before any response (refused, reset, timed out). */
  failures: number;
  puts: number;
  patches: number;
  deletes: number;
  /** Per lost stream: ms from losing it to the next `put`. */
  outages: number[];
  /** Per lost stream (one that had delivered its `put`): where it was and why it ended. */
  losses: { endpoint: string; reason: string }[];
}

interface Item extends HeldItem {
  readonly key: string;
}

/** The stream ended: why, and whether it had delivered a `put`. */
interface StreamEnd {
  readonly delivered: boolean;
  readonly reason: string;
}

export class Fdv1Client {
  readonly flags = new Map<string, HeldItem>();
  readonly segments = new Map<string, HeldItem>();
  readonly violations: Violation[] = [];
  readonly stats: Fdv1ClientStats = {
    streams: 0,
    refusals: {},
    failures: 0,
    puts: 0,
    patches: 0,
    deletes: 0,
    outages: [],
    losses: [],
  };
  /** The endpoint of the current or last attempt. */
  endpoint: string;
  /** Whether a stream is open and has delivered its `put`. */
  streaming = false;
  lastReason = '';
  private lastSeq: number | undefined;
  private lostAt: number | undefined;
  private next = 0;
  private readonly closing = new AbortController();
  private current: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(readonly options: Fdv1ClientOptions) {
    if (options.endpoints.length === 0) throw new Error('a client needs at least one endpoint');
    this.endpoint = options.endpoints[0]!;
  }

  get name(): string {
    return this.options.name;
  }

  /** The SSE id of the last event: the environment seq the client holds. */
  get seq(): number | undefined {
    return this.lastSeq;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.current?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { initialBackoffMs = 100, maxBackoffMs = 2_000 } = this.options;
    let failed = 0;
    while (!this.closing.signal.aborted) {
      const endpoint = this.nextEndpoint();
      const end = await this.stream(endpoint);
      this.streaming = false;
      this.lastReason = end.reason;
      if (end.delivered) {
        this.lostAt = performance.now();
        this.stats.losses.push({ endpoint, reason: end.reason });
        failed = 0;
      } else {
        failed++;
      }
      if (this.closing.signal.aborted) break;
      const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.max(0, failed - 1));
      try {
        await delay(base * (0.5 + Math.random() / 2), undefined, { signal: this.closing.signal });
      } catch {
        break;
      }
    }
  }

  /** The next endpoint of the list, from where the last attempt was, that passes its check. */
  private nextEndpoint(): string {
    const { endpoints, healthy } = this.options;
    for (let skipped = 0; healthy !== undefined && skipped < endpoints.length; skipped++) {
      const endpoint = endpoints[(this.next + skipped) % endpoints.length]!;
      if (healthy(endpoint)) {
        this.next += skipped + 1;
        return endpoint;
      }
    }
    return endpoints[this.next++ % endpoints.length]!;
  }

  private async stream(endpoint: string): Promise<StreamEnd> {
    const { connectTimeoutMs = 6_000, silenceTimeoutMs = 3_000 } = this.options;
    this.endpoint = endpoint;
    const controller = new AbortController();
    this.current = controller;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(what)), ms);
    };
    // Re-armed on every chunk: `refresh` restarts the same timer without allocating one.
    const rearm = () => timer?.refresh();
    let delivered = false;
    try {
      arm(connectTimeoutMs, `no response in ${connectTimeoutMs} ms`);
      const headers: Record<string, string> = {
        authorization: this.options.sdkKey,
        accept: 'text/event-stream',
      };
      if (this.lastSeq !== undefined) headers['last-event-id'] = String(this.lastSeq);
      const transport = this.options.transport ?? fetchTransport;
      const res = await transport(new URL('/all', endpoint), headers, controller.signal);
      if (res.status !== 200) {
        this.stats.refusals[res.status] = (this.stats.refusals[res.status] ?? 0) + 1;
        await res.discard();
        return { delivered, reason: `status ${res.status}` };
      }
      const silence = `silent for ${silenceTimeoutMs} ms`;
      arm(silenceTimeoutMs, silence);
      const parser = createParser({
        onEvent: (message) => {
          if (this.onMessage(message, endpoint) === 'put') delivered = true;
        },
      });
      await res.read((text) => {
        rearm();
        parser.feed(text);
      });
      return { delivered, reason: 'ended by the server' };
    } catch (e) {
      if (!delivered) this.stats.failures++;
      const reason = controller.signal.aborted ? controller.signal.reason : e;
      return { delivered, reason: reason instanceof Error ? reason.message : String(reason) };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  private violation(v: Omit<Violation, 'client' | 'endpoint'>, endpoint: string): void {
    this.violations.push({ client: this.name, endpoint, ...v });
  }

  private onMessage(message: EventSourceMessage, endpoint: string): string | undefined {
    const seq = message.id === undefined ? undefined : Number(message.id);
    if (seq !== undefined && this.lastSeq !== undefined) {
      const backwards = message.event === 'put' ? seq < this.lastSeq : seq <= this.lastSeq;
      if (backwards)
        this.violation(
          { kind: 'seq', event: message.event ?? '', held: this.lastSeq, received: seq },
          endpoint,
        );
    }
    switch (message.event) {
      case 'put':
        this.put(JSON.parse(message.data) as PutData, endpoint);
        break;
      case 'patch':
        this.patch(JSON.parse(message.data) as PatchData, endpoint);
        break;
      case 'delete':
        this.remove(JSON.parse(message.data) as DeleteData, endpoint);
        break;
      default:
        return undefined;
    }
    if (seq !== undefined && Number.isSafeInteger(seq)) this.lastSeq = seq;
    return message.event;
  }

  private put(data: PutData, endpoint: string): void {
    this.stats.puts++;
    if (!this.streaming) {
      this.streaming = true;
      this.stats.streams++;
      if (this.lostAt !== undefined) this.stats.outages.push(performance.now() - this.lostAt);
      this.lostAt = undefined;
    }
    for (const kind of ['flags', 'segments'] as const) {
      const held = this[kind];
      const items = data.data[kind] ?? {};
      for (const [key, item] of Object.entries(items)) {
        const old = held.get(key);
        if (old !== undefined && item.version < old.version)
          this.violation(
            { kind: 'version', event: 'put', key, held: old.version, received: item.version },
            endpoint,
          );
      }
      held.clear();
      for (const [key, item] of Object.entries(items))
        held.set(key, { version: item.version, deleted: false });
    }
  }

  private upsert(path: string, version: number, deleted: boolean, endpoint: string): void {
    const m = /^\/(flags|segments)\/(.+)$/.exec(path);
    if (m === null) return;
    const kind = m[1] as ItemKind;
    const key = m[2]!;
    const held = this[kind];
    const old = held.get(key);
    if (old !== undefined && version < old.version)
      this.violation(
        {
          kind: 'version',
          event: deleted ? 'delete' : 'patch',
          key,
          held: old.version,
          received: version,
        },
        endpoint,
      );
    if (old === undefined || version > old.version) held.set(key, { version, deleted });
    this.options.onItem?.({ kind, key, version, deleted, at: performance.now() });
  }

  private patch(data: PatchData, endpoint: string): void {
    this.stats.patches++;
    this.upsert(data.path, data.data.version, false, endpoint);
  }

  private remove(data: DeleteData, endpoint: string): void {
    this.stats.deletes++;
    this.upsert(data.path, data.version, true, endpoint);
  }
}

interface PutData {
  readonly data: {
    readonly flags?: Record<string, Item>;
    readonly segments?: Record<string, Item>;
  };
}

interface PatchData {
  readonly path: string;
  readonly data: { readonly version: number };
}

interface DeleteData {
  readonly path: string;
  readonly version: number;
}
