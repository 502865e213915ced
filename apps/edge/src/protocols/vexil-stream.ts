import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EdgeContext } from '../edge-context.js';
import type { EdgeRoute } from '../http/routes.js';

export function vexilStreamRoutes(_ctx: EdgeContext): EdgeRoute[] {
  return [];
}

/** WebSocket upgrades of the Vexil stream; false when the request is not for it. */
export function vexilStreamUpgrade(
  _ctx: EdgeContext,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  return () => false;
}
