import type { OutgoingHttpHeaders } from 'node:http';

// Server-sent events framing (docs/protocol.md section 4). Data is always one line of JSON:
// JSON.stringify never emits a raw newline.

export function sseEvent(event: string, data: string, id?: number | string): Buffer {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return Buffer.from(`${idLine}event: ${event}\ndata: ${data}\n\n`);
}

/** The response headers LaunchDarkly's stream service and Relay send on SSE streams. */
export function sseHeaders(environmentId: string): OutgoingHttpHeaders {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store, must-revalidate',
    'access-control-allow-origin': '*',
    'x-accel-buffering': 'no',
    'x-ld-envid': environmentId,
  };
}
