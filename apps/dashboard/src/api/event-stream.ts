// The project's change stream, GET /api/v1/projects/{project}/events (docs/protocol.md section
// 9): Server-Sent Events read with fetch rather than EventSource, because EventSource cannot send
// the Authorization header and the API token must never go in a URL. This file is the wire: the
// event shapes and an incremental parser of the text/event-stream format (WHATWG HTML, "Server-
// sent events", 9.2.6); app/live.tsx keeps the connection.

/** One committed change, as the `change` event carries it. */
export interface LiveChange {
  /** The audit entry's id: the same change seen twice across a reconnect has the same id. */
  readonly auditId: number;
  readonly at: number;
  /** The API token's name. */
  readonly actor: string;
  readonly action: string;
  readonly projectKey: string;
  readonly environmentKey?: string;
  readonly kind: 'project' | 'environment' | 'flag' | 'segment' | 'filter' | 'data';
  readonly key: string;
  readonly version?: number;
  readonly deleted?: true;
  readonly comment?: string;
}

/** The `ready` event: the stream is live from here on. */
export interface ReadyEvent {
  readonly cursor: number;
  /** The changes missed since Last-Event-ID came first; false: reload what is shown. */
  readonly resumed: boolean;
  readonly heartbeatMs: number;
}

export interface StreamEvent {
  /** The event type (`message` when the server named none). */
  readonly event: string;
  readonly data: string;
  /** The last event id seen so far (what to send back as Last-Event-ID). */
  readonly lastEventId: string;
}

/** Turns chunks of a text/event-stream into events; `retry` is the server's reconnect delay. */
export class SseParser {
  private pending = '';
  private type = '';
  private data: string[] = [];
  private lastId = '';
  private afterCr = false;
  retry: number | undefined;

  /** The events completed by this chunk, in order. */
  push(chunk: string): StreamEvent[] {
    const events: StreamEvent[] = [];
    let text = chunk;
    // A CR that ended the last chunk ended its line; an LF right after it is the same line end.
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    const lines = (this.pending + text).split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  private line(line: string): StreamEvent | undefined {
    if (line === '') {
      const data = this.data;
      const type = this.type;
      this.data = [];
      this.type = '';
      if (data.length === 0) return undefined;
      return {
        event: type === '' ? 'message' : type,
        data: data.join('\n'),
        lastEventId: this.lastId,
      };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
    return undefined;
  }
}
