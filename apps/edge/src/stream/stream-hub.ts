import type { OutgoingHttpHeaders } from 'node:http';
import { responseHead } from '../http/response-head.js';
import type { StreamRequest } from '../http/routes.js';
import { StreamConnection, type CloseReason } from './stream-connection.js';
import { StreamGroup } from './stream-group.js';
import type { StreamMember } from './stream-member.js';
import type { StreamMeter } from './stream-meter.js';
import type { RandomSource, Scheduler } from './scheduler.js';
import { shuffle } from './shuffle.js';

export interface StreamHubOptions {
  /** Unsent bytes per connection before it is cut as a slow consumer. */
  readonly maxBufferBytes: number;
  /** Heartbeat comment interval (below common load-balancer idle timeouts). */
  readonly heartbeatMs: number;
  /** Maximum stream lifetime (0 = unlimited), shortened by up to `lifetimeJitter` at random. */
  readonly maxLifetimeMs: number;
  readonly lifetimeJitter: number;
  readonly now: () => number;
  /** The drain's pauses between batches. */
  readonly scheduler: Scheduler;
  /** Lifetime jitter and the drain's order. */
  readonly random: RandomSource;
  /** Metrics; absent, nothing is counted. */
  readonly meter?: StreamMeter | undefined;
}

/** Streams of one environment in one wire format. */
export interface StreamCount {
  readonly environmentId: string;
  readonly format: string;
  readonly streams: number;
}

export interface OpenStream {
  readonly environmentId: string;
  /** Wire format, e.g. `fdv1-all`, `fdv2`, `client`, `vexil`: one group per environment and format. */
  readonly format: string;
  readonly credentialId: string;
  /** Streams of one format that get a different subset of the data: the payload filter's key. */
  readonly variant?: string;
  readonly headers: OutgoingHttpHeaders;
  /** Sent before a server-initiated close (FDv2 `goodbye`). */
  readonly farewell?: Buffer;
  /** Not grouped: the stream gets per-connection messages (client-side evaluation). */
  readonly solo?: boolean;
}

/** A stream made outside the hub (a WebSocket): never grouped, its protocol fans out to it. */
export interface AdoptStream {
  readonly credentialId: string;
  readonly farewell?: Buffer;
  /** For counting streams by environment and wire format (`*` for all environments). */
  readonly environmentId: string;
  readonly format: string;
}

const SECOND = 1000;

/**
 * A stream's lifetime: `maxMs` shortened by up to `jitter` of it, in [maxMs * (1 - jitter), maxMs],
 * so that streams opened together (after a deploy, a network blip) do not all expire together.
 */
export function jitteredLifetime(maxMs: number, jitter: number, random: RandomSource): number {
  return maxMs * (1 - random() * jitter);
}

const groupKey = (environmentId: string, format: string, variant: string) =>
  variant === '' ? `${environmentId}|${format}` : `${environmentId}|${format}|${variant}`;

function isEmpty(record: Record<string, string>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return false;
  return true;
}

/**
 * Every stream of the edge (SSE and WebSocket): groups for fan-out, one shared timer for
 * heartbeats and lifetimes (no per-connection timers), revocation by credential, graceful drain.
 */
export class StreamHub {
  readonly closes = new Map<CloseReason, number>();
  private readonly counts = new Map<string, number>();
  private readonly countKeys = new WeakMap<StreamMember, string>();
  private readonly groups = new Map<string, StreamGroup>();
  private readonly farewells = new WeakMap<StreamMember, Buffer>();
  private readonly groupOf = new WeakMap<StreamMember, StreamGroup>();
  private readonly byCredential = new Map<string, Set<StreamMember>>();
  private readonly all = new Set<StreamMember>();
  /** Lifetime wheel: second -> streams whose deadline falls in it. */
  private readonly wheel = new Map<number, Set<StreamMember>>();
  private wheelCursor: number;
  /** Response heads of this second, by environment and format. */
  private readonly heads = new Map<string, string>();
  private headsSecond = -1;
  private lastHeartbeat: number;
  private readonly listeners = new Set<
    (connection: StreamConnection, reason: CloseReason) => void
  >();

  constructor(private readonly options: StreamHubOptions) {
    this.wheelCursor = Math.floor(options.now() / SECOND);
    this.lastHeartbeat = options.now();
  }

  get size(): number {
    return this.all.size;
  }

  /** Called when an SSE stream closes (adopted streams tell their own protocol module). */
  onClose(listener: (connection: StreamConnection, reason: CloseReason) => void): void {
    this.listeners.add(listener);
  }

  /** Opens a stream on the request's socket: status 200, `spec.headers` and the request's answer headers. */
  open(request: StreamRequest, spec: OpenStream): StreamConnection {
    const head = this.responseHead(request, spec);
    const connection = this.adopt(
      spec,
      (onClose) => new StreamConnection(request.socket, head, this.options.maxBufferBytes, onClose),
    );
    if (spec.solo !== true) {
      const group = this.group(spec.environmentId, spec.format, spec.variant);
      group.add(connection);
      this.groupOf.set(connection, group);
    }
    return connection;
  }

  /**
   * Registers a stream made elsewhere (a WebSocket) so that it is counted, heartbeated, expired,
   * drained and revoked like the SSE streams. `create` gets the callback to call once it closes.
   */
  adopt<T extends StreamMember>(
    spec: AdoptStream,
    create: (onClose: (member: StreamMember, reason: CloseReason) => void) => T,
  ): T {
    const member = create((m, reason) => this.forget(m, reason));
    this.options.meter?.opened(spec.format);
    member.credentialId = spec.credentialId;
    this.all.add(member);
    const countKey = `${spec.environmentId}|${spec.format}`;
    this.countKeys.set(member, countKey);
    this.counts.set(countKey, (this.counts.get(countKey) ?? 0) + 1);
    let holders = this.byCredential.get(spec.credentialId);
    if (holders === undefined) this.byCredential.set(spec.credentialId, (holders = new Set()));
    holders.add(member);
    if (spec.farewell !== undefined) this.farewells.set(member, spec.farewell);
    if (this.options.maxLifetimeMs > 0) this.expireLater(member);
    return member;
  }

  /** Gives the stream its deadline and puts it on the lifetime wheel, which `tick` turns. */
  private expireLater(member: StreamMember): void {
    const { maxLifetimeMs, lifetimeJitter, random, now } = this.options;
    member.deadline = now() + jitteredLifetime(maxLifetimeMs, lifetimeJitter, random);
    const slot = Math.floor(member.deadline / SECOND);
    let bucket = this.wheel.get(slot);
    if (bucket === undefined) this.wheel.set(slot, (bucket = new Set()));
    bucket.add(member);
  }

  /**
   * Streams of one environment and format share their response head, so it is built once per
   * second (its `Date`); a request with headers of its own (CORS) gets its own.
   */
  private responseHead(request: StreamRequest, spec: OpenStream): string {
    const now = this.options.now();
    if (!isEmpty(request.answerHeaders))
      return responseHead(200, { ...request.answerHeaders, ...spec.headers }, now, 'keep-alive');
    const second = Math.floor(now / SECOND);
    if (second !== this.headsSecond) {
      this.heads.clear();
      this.headsSecond = second;
    }
    const key = `${spec.environmentId}|${spec.format}`;
    let head = this.heads.get(key);
    if (head === undefined)
      this.heads.set(key, (head = responseHead(200, spec.headers, now, 'keep-alive')));
    return head;
  }

  group(environmentId: string, format: string, variant = ''): StreamGroup {
    const key = groupKey(environmentId, format, variant);
    let group = this.groups.get(key);
    if (group === undefined)
      this.groups.set(key, (group = new StreamGroup(this.options.meter?.group(format))));
    return group;
  }

  /** The group if it has members (no allocation for environments nobody streams). */
  existingGroup(environmentId: string, format: string, variant = ''): StreamGroup | undefined {
    const group = this.groups.get(groupKey(environmentId, format, variant));
    return group !== undefined && group.size > 0 ? group : undefined;
  }

  /** Closes every stream of a group (its payload filter was deleted). */
  closeGroup(environmentId: string, format: string, variant: string, reason: CloseReason): void {
    const group = this.existingGroup(environmentId, format, variant);
    if (group === undefined) return;
    group.flush();
    for (const connection of [...group.members]) this.close(connection, reason);
  }

  /** Server-initiated close, with the stream's farewell message if it has one. */
  close(connection: StreamMember, reason: CloseReason): void {
    this.groupOf.get(connection)?.flush();
    connection.close(reason, this.farewells.get(connection));
  }

  /** Closes every stream opened with one of these credentials (revoked or expired keys). */
  revoke(credentialIds: Iterable<string>): number {
    let n = 0;
    for (const id of credentialIds) {
      for (const connection of [...(this.byCredential.get(id) ?? [])]) {
        this.close(connection, 'revoked');
        n++;
      }
    }
    return n;
  }

  /** Closes the streams of an environment (e.g. it was deleted). */
  closeWhere(predicate: (connection: StreamMember) => boolean, reason: CloseReason): number {
    let n = 0;
    for (const connection of [...this.all]) {
      if (predicate(connection)) {
        this.close(connection, reason);
        n++;
      }
    }
    return n;
  }

  /** Called once a second by the edge's clock: heartbeats and lifetimes. */
  tick(): void {
    const now = this.options.now();
    if (now - this.lastHeartbeat >= this.options.heartbeatMs) {
      this.lastHeartbeat = now;
      for (const connection of this.all) connection.heartbeat();
    }
    const until = Math.floor(now / SECOND);
    for (; this.wheelCursor <= until; this.wheelCursor++) {
      const bucket = this.wheel.get(this.wheelCursor);
      if (bucket === undefined) continue;
      this.wheel.delete(this.wheelCursor);
      for (const connection of bucket) this.close(connection, 'lifetime');
    }
  }

  /**
   * Closes every stream, spread evenly over `windowMs` so clients do not all reconnect at the
   * same instant (graceful drain on shutdown). Resolves when all are closed.
   */
  async drain(windowMs: number): Promise<void> {
    // Shuffled: in the order they opened, the same clients would always wait longest to go.
    const connections = shuffle([...this.all], this.options.random);
    if (connections.length === 0) return;
    const batches = Math.max(1, Math.min(connections.length, Math.ceil(windowMs / 50)));
    const perBatch = Math.ceil(connections.length / batches);
    const pause = windowMs / batches;
    for (let i = 0; i < connections.length; i += perBatch) {
      for (const connection of connections.slice(i, i + perBatch)) this.close(connection, 'drain');
      if (i + perBatch < connections.length)
        await new Promise<void>((resolve) => this.options.scheduler.after(pause, resolve));
    }
  }

  /** Every open stream (grouped, solo and WebSocket), by environment and format. */
  countBy(): StreamCount[] {
    const out = [];
    for (const [key, streams] of this.counts) {
      const [environmentId, format] = key.split('|') as [string, string];
      out.push({ environmentId, format, streams });
    }
    return out;
  }

  private forget(connection: StreamMember, reason: CloseReason): void {
    this.all.delete(connection);
    const countKey = this.countKeys.get(connection);
    if (countKey !== undefined) {
      const left = (this.counts.get(countKey) ?? 1) - 1;
      if (left > 0) this.counts.set(countKey, left);
      else this.counts.delete(countKey);
    }
    const holders = this.byCredential.get(connection.credentialId);
    holders?.delete(connection);
    if (holders?.size === 0) this.byCredential.delete(connection.credentialId);
    if (Number.isFinite(connection.deadline))
      this.wheel.get(Math.floor(connection.deadline / SECOND))?.delete(connection);
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
    this.options.meter?.closed(reason);
    if (connection instanceof StreamConnection) {
      this.groupOf.get(connection)?.delete(connection);
      for (const listener of this.listeners) listener(connection, reason);
    }
  }
}
