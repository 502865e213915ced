import type { EdgeContext } from '../edge-context.js';
import type { EdgeRoute } from '../http/routes.js';

export function fdv2Routes(_ctx: EdgeContext): EdgeRoute[] {
  return [];
}
