import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@vexil/protocol';
import { EdgeError, sendError, sendJson } from './respond.js';
import type { EdgeRouter } from './routes.js';

/**
 * The edge's request handler over its router: returns false (response untouched) for a path
 * that is not the edge's, answers 405 with `Allow` for a wrong method, and turns errors into
 * their status and JSON body (unexpected ones into a logged 500).
 */
export function createDispatch(router: EdgeRouter, logger: Logger) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://edge');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === undefined) return false;
    if ('methods' in match) {
      const allowed = match.methods.join(', ');
      const error = new EdgeError(
        'METHOD_NOT_ALLOWED',
        `${req.method ?? ''} is not allowed here; use ${match.methods.join(' or ')}`,
      );
      sendError(res, error, { allow: allowed });
      return true;
    }
    void (async () => {
      try {
        await match.handle({ req, res, params: match.params, url });
      } catch (e) {
        if (e instanceof EdgeError) {
          sendError(res, e);
          return;
        }
        logger.error({ err: e, path: url.pathname }, 'unhandled error in an SDK request');
        if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: 'internal error' });
        else res.destroy();
      }
    })();
    return true;
  };
}
