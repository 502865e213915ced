import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@vexil/protocol';
import type { AuditEntry, StoreReader } from '@vexil/store';
import type { ChangeFeed } from '../change-feed.js';
import { ApiError } from '../http/api-error.js';
import { headerValue } from '../http/api-handler.js';
import { defineRoute, type Actor, type Route } from '../http/router.js';
import { read, requireProject, type ApiDeps } from './deps.js';

// GET /api/v1/projects/{projectKey}/events: the project's changes as they commit, as Server-Sent
// Events, for the dashboard (docs/protocol.md section 9). Authenticated as every route is, with
// the API token in the Authorization header (the dashboard reads the stream with fetch, so no
// token ever goes in a URL); a stream re-checks its token at every heartbeat and ends once the
// token is revoked. A stream sends every change committed after it opened, on any origin of the
// deployment (the change feed reads the shared audit log), and a client that reconnects with
// Last-Event-ID gets what it missed first.

export interface EventStreamLimits {
  /** Streams one API token may hold open at once on this origin (a dashboard tab holds one). */
  readonly maxPerToken: number;
  /** Streams this origin holds at once, of every token. */
  readonly maxStreams: number;
  /** A heartbeat (and a check of the token) this often. */
  readonly heartbeatMs: number;
  /** A reconnect that missed more changes than this gets `reset` instead of the changes. */
  readonly maxReplay: number;
  /** A client that falls this far behind reading is cut off (it resumes when it reconnects). */
  readonly maxBufferedBytes: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamLimits = {
  maxPerToken: 16,
  maxStreams: 1_000,
  heartbeatMs: 15_000,
  maxReplay: 1_000,
  maxBufferedBytes: 1024 * 1024,
};

/** A client told to reconnect waits this long first (the SSE `retry` field). */
const RETRY_MS = 2_000;
const REPLAY_PAGE = 500;

/** One committed change, as a `change` event carries it. */
export interface ChangeEvent {
  /** The audit entry's id: unique, to drop an event seen twice across a reconnect. */
  readonly auditId: number;
  /** Unix ms. */
  readonly at: number;
  /** The API token's name (or `system`). */
  readonly actor: string;
  /** e.g. `flag.update`, `segment.delete`, `environment.rotate-key`, `data.import`. */
  readonly action: string;
  readonly projectKey: string;
  /** The one environment the change concerned (a flag change in several has none). */
  readonly environmentKey?: string;
  readonly kind: 'project' | 'environment' | 'flag' | 'segment' | 'filter' | 'data';
  readonly key: string;
  /** The resource's version after the change (what If-Match compares), when it has one. */
  readonly version?: number;
  /** The change deleted the resource. */
  readonly deleted?: true;
  readonly comment?: string;
}

/** The event for an audit entry of the project, or undefined for one streams do not carry. */
export function changeEvent(entry: AuditEntry): ChangeEvent | undefined {
  if (entry.projectKey === undefined || entry.resourceKind === 'token') return undefined;
  const after = entry.after;
  const version =
    typeof after === 'object' && after !== null && !Array.isArray(after) ? after['version'] : null;
  return {
    auditId: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    projectKey: entry.projectKey,
    ...(entry.environmentKey === undefined ? {} : { environmentKey: entry.environmentKey }),
    kind: entry.resourceKind,
    key: entry.resourceKey,
    ...(typeof version === 'number' ? { version } : {}),
    ...(after === null && entry.before !== null ? { deleted: true as const } : {}),
    ...(entry.comment === undefined ? {} : { comment: entry.comment }),
  };
}

const CHANGE_EVENT_SCHEMA = {
  type: 'object',
  description:
    'The data of a `change` event. The stream also sends `ready` ({"cursor","resumed","heartbeatMs"}), `heartbeat` ({"cursor"}), `reset` ({"reason"}: reload everything) and `revoked` ({"code","message"}: the token was revoked; the stream ends). Every event but `revoked` carries an SSE id, the cursor to send back as Last-Event-ID.',
  properties: {
    auditId: { type: 'integer' },
    at: { type: 'integer' },
    actor: { type: 'string' },
    action: { type: 'string' },
    projectKey: { type: 'string' },
    environmentKey: { type: 'string' },
    kind: { enum: ['project', 'environment', 'flag', 'segment', 'filter', 'data'] },
    key: { type: 'string' },
    version: { type: 'integer' },
    deleted: { const: true },
    comment: { type: 'string' },
  },
  required: ['auditId', 'at', 'actor', 'action', 'projectKey', 'kind', 'key'],
} as const;

interface Stream {
  readonly res: ServerResponse;
  readonly projectKey: string;
  readonly tokenId: string;
  readonly authorization: string;
  /** The SSE id last sent: never goes back. */
  cursor: number;
  /** Entries that arrived while the missed ones were read, sent after them. */
  buffer: AuditEntry[] | undefined;
  /** Ids the replay sent, which the feed may hand over again. */
  readonly replayed: Set<number>;
}

export interface EventHubOptions {
  readonly feed: ChangeFeed;
  readonly store: Pick<StoreReader, 'listAudit'>;
  readonly logger: Logger;
  /** Checks a stream's Authorization header again (undefined: unknown or revoked). */
  readonly authenticate: (authorization: string) => Promise<Actor | undefined>;
  readonly limits?: Partial<EventStreamLimits>;
}

/** The open event streams of one origin: limits, heartbeats, fan-out of the feed, shutdown. */
export class EventHub {
  readonly limits: EventStreamLimits;
  private readonly streams = new Set<Stream>();
  private readonly perToken = new Map<string, number>();
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: EventHubOptions) {
    this.limits = { ...EVENT_STREAM_DEFAULTS, ...options.limits };
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Serves one stream until the client goes away (or the token is revoked, or `close`). Throws
   * ApiError before anything is written: 429 past a limit, 503 when the log cannot be read.
   */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    projectKey: string,
    actor: Actor,
    lastEventId: number | undefined,
  ): Promise<void> {
    const { feed, store } = this.options;
    try {
      this.admit(actor);
    } catch (e) {
      res.setHeader('retry-after', '5');
      throw e;
    }
    const stream: Stream = {
      res,
      projectKey,
      tokenId: actor.id,
      authorization: headerValue(req, 'authorization') ?? '',
      cursor: 0,
      buffer: [],
      replayed: new Set(),
    };
    this.streams.add(stream);
    this.perToken.set(actor.id, (this.perToken.get(actor.id) ?? 0) + 1);
    const ended = new Promise<void>((resolve) => res.once('close', resolve));
    let unsubscribe = (): void => undefined;
    try {
      unsubscribe = await read(() => feed.subscribe((entries) => this.deliver(stream, entries)));
      // Everything at or below the feed's cursor now was in the log before the replay is read.
      const settled = feed.cursor;
      let missed: AuditEntry[] | 'reset' = [];
      if (lastEventId !== undefined)
        missed = await read(() =>
          missedSince(store, projectKey, lastEventId, this.limits.maxReplay),
        );
      if (res.destroyed) return;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies such as nginx would otherwise hold events back to fill their buffers.
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      this.write(stream, `retry: ${RETRY_MS}\n\n`);
      // An event's id is a cursor the client may resume from: it never passes a change this
      // stream has not sent yet (docs/protocol.md section 9.2).
      if (missed === 'reset') {
        stream.cursor = settled;
        this.send(stream, 'reset', {
          reason: `more than ${this.limits.maxReplay} changes were missed, or the cursor is not from this deployment`,
        });
      } else {
        stream.cursor = lastEventId ?? 0;
        for (const entry of missed) {
          stream.replayed.add(entry.id);
          this.sendChange(stream, entry, settled);
        }
      }
      stream.cursor = Math.max(stream.cursor, settled);
      this.send(stream, 'ready', {
        cursor: stream.cursor,
        resumed: lastEventId !== undefined && missed !== 'reset',
        heartbeatMs: this.limits.heartbeatMs,
      });
      const buffered = (stream.buffer ?? []).sort((a, b) => a.id - b.id);
      stream.buffer = undefined;
      this.deliver(stream, buffered);
      this.tick();
      await ended;
    } finally {
      unsubscribe();
      this.streams.delete(stream);
      const left = (this.perToken.get(actor.id) ?? 1) - 1;
      if (left === 0) this.perToken.delete(actor.id);
      else this.perToken.set(actor.id, left);
      if (this.streams.size === 0) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    }
  }

  /** Ends every stream (shutdown): clients reconnect, to another origin or after the restart. */
  close(): void {
    this.closed = true;
    for (const stream of this.streams) stream.res.end();
  }

  private admit(actor: Actor): void {
    if (this.closed) throw new ApiError('UNAVAILABLE', 'the server is shutting down; reconnect');
    if ((this.perToken.get(actor.id) ?? 0) >= this.limits.maxPerToken)
      throw new ApiError(
        'RATE_LIMITED',
        `this API token already holds ${this.limits.maxPerToken} event streams, the most it may; close a dashboard tab, or wait for one to end`,
      );
    if (this.streams.size >= this.limits.maxStreams)
      throw new ApiError(
        'RATE_LIMITED',
        `this server holds ${this.limits.maxStreams} event streams, the most it may; retry shortly`,
      );
  }

  private deliver(stream: Stream, entries: readonly AuditEntry[]): void {
    if (stream.buffer !== undefined) {
      stream.buffer.push(...entries);
      return;
    }
    for (const entry of entries) {
      if (entry.projectKey !== stream.projectKey) continue;
      if (stream.replayed.delete(entry.id)) continue;
      this.sendChange(stream, entry);
    }
  }

  /**
   * A change, with the id of the entry as the cursor unless that passes `settled` (below it, every
   * entry was sent before this one, since each batch comes in id order; above it, a lower id may
   * still commit).
   */
  private sendChange(stream: Stream, entry: AuditEntry, settled = this.options.feed.cursor): void {
    stream.cursor = Math.max(stream.cursor, Math.min(entry.id, settled));
    const event = changeEvent(entry);
    if (event !== undefined) this.send(stream, 'change', event);
  }

  /** An event with the stream's cursor as its id. */
  private send(stream: Stream, event: string, data: unknown): void {
    this.write(stream, `event: ${event}\nid: ${stream.cursor}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(stream: Stream, text: string): void {
    const { res } = stream;
    if (res.destroyed || res.writableEnded) return;
    res.write(text);
    if (res.writableLength > this.limits.maxBufferedBytes) {
      this.options.logger.info(
        { project: stream.projectKey, buffered: res.writableLength },
        'event stream: the client reads too slowly; closing its stream',
      );
      res.destroy();
    }
  }

  /** Heartbeats for every stream, once the token of each has been checked again. */
  private tick(): void {
    if (this.ticker !== undefined) return;
    this.ticker = setInterval(() => void this.heartbeat(), this.limits.heartbeatMs);
    this.ticker.unref();
  }

  private async heartbeat(): Promise<void> {
    const byToken = new Map<string, Stream[]>();
    for (const stream of this.streams) {
      if (stream.buffer !== undefined) continue;
      const group = byToken.get(stream.authorization);
      if (group === undefined) byToken.set(stream.authorization, [stream]);
      else group.push(stream);
    }
    for (const [authorization, streams] of byToken) {
      let revoked = false;
      try {
        revoked = (await this.options.authenticate(authorization)) === undefined;
      } catch {
        // The store is away: keep the streams; the next heartbeat checks again.
      }
      for (const stream of streams) {
        if (revoked) {
          this.write(
            stream,
            `event: revoked\ndata: ${JSON.stringify({ code: 'UNAUTHORIZED', message: 'the API token is unknown or revoked' })}\n\n`,
          );
          stream.res.end();
        } else {
          // Every entry up to the feed's cursor has been handed to this stream by now.
          stream.cursor = Math.max(stream.cursor, this.options.feed.cursor);
          this.send(stream, 'heartbeat', {
            cursor: stream.cursor,
          });
        }
      }
    }
  }
}

/**
 * The project's entries with an id above `after`, oldest first; `reset` when there are more than
 * `max`, or when `after` is above every id in the log (a cursor from another deployment, or a
 * log that was reset).
 */
export async function missedSince(
  store: Pick<StoreReader, 'listAudit'>,
  projectKey: string,
  after: number,
  max: number,
): Promise<AuditEntry[] | 'reset'> {
  const newest = (await store.listAudit({ limit: 1 }))[0]?.id ?? 0;
  if (after > newest) return 'reset';
  const found: AuditEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.listAudit({
      projectKey,
      limit: REPLAY_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    for (const entry of page) {
      if (entry.id <= after) return found.reverse();
      found.push(entry);
      if (found.length > max) return 'reset';
    }
    const last = page[page.length - 1];
    if (page.length < REPLAY_PAGE || last === undefined) return found.reverse();
    before = last.id;
  }
}

/** `Last-Event-ID`: a cursor this API sent (a whole number), or none. */
export function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (!/^\s*[0-9]{1,15}\s*$/.test(header))
    throw new ApiError(
      'VALIDATION_FAILED',
      `Last-Event-ID must be the id of an event this stream sent, a whole number (got ${JSON.stringify(header.slice(0, 40))})`,
    );
  return Number(header);
}

const EVENTS = '/api/v1/projects/{projectKey}/events';

export function eventRoutes(deps: ApiDeps, hub: EventHub): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: EVENTS,
      summary:
        "The project's changes as they commit, on any origin: a Server-Sent Events stream (text/event-stream) that resumes from Last-Event-ID (docs/protocol.md section 9)",
      tag: 'events',
      role: 'reader',
      responses: {
        200: {
          description:
            'text/event-stream: `ready`, then a `change` event per committed change to the project, its environments, flags, segments and filters; `heartbeat` every 15 s',
          schema: CHANGE_EVENT_SCHEMA,
          mediaType: 'text/event-stream',
        },
        400: { description: 'Last-Event-ID is not a cursor this API sent' },
        404: { description: 'no such project' },
        429: { description: 'the token, or the server, holds as many streams as it may' },
      },
      handle: async ({ params: { projectKey }, req, actor }) => {
        const lastEventId = parseLastEventId(headerValue(req, 'last-event-id'));
        await read(() => requireProject(deps.store, projectKey));
        return {
          stream: (res) => hub.serve(req, res, projectKey, actor, lastEventId),
        };
      },
    }),
  ];
}
