import { readdir, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { RequestHandler } from './http-dispatch.js';
import { pathOf } from './send-json.js';

// The web dashboard (apps/dashboard, built by Vite into apps/dashboard/dist/web) at `/`.
// It claims only its own paths, so it can sit before the SDK-facing edge in the dispatch table:
// its pages (/, /sign-in, /projects/..., /delivery, /tokens, all answered with index.html for the
// client-side router) and the files of the build. Files are looked up in a list made from the
// build directory, never by joining the URL to a path, so no URL can reach outside it.

/** apps/dashboard/dist/web, from this file's place in apps/cli/dist/src/server. */
export const DASHBOARD_DIR = fileURLToPath(
  new URL('../../../../dashboard/dist/web/', import.meta.url),
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map']);

// Same-origin only: the dashboard loads nothing from anywhere else and cannot be framed.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly file: string;
  readonly type: string;
  /** Content-hashed names under /assets/ never change: cached for a year. */
  readonly immutable: boolean;
  body?: Buffer;
  gzipped?: Buffer;
  etag?: string;
}

interface Build {
  readonly indexMtime: number;
  readonly assets: ReadonlyMap<string, Asset>;
}

export interface DashboardOptions {
  /** How often to look for a rebuild (index.html changed); default once a second. */
  readonly recheckMs?: number;
}

export function isDashboardRoute(path: string): boolean {
  return (
    path === '/' ||
    path === '/sign-in' ||
    path === '/delivery' ||
    path === '/tokens' ||
    path === '/projects' ||
    path.startsWith('/projects/')
  );
}

export function dashboardHandler(
  root: string = DASHBOARD_DIR,
  { recheckMs = 1000 }: DashboardOptions = {},
): RequestHandler {
  let build: Build | undefined;
  let checkedAt = 0;

  /** The build's file list, re-read when index.html changes (a rebuild while running). */
  async function current(): Promise<Build | undefined> {
    const now = Date.now();
    if (build !== undefined && now - checkedAt < recheckMs) return build;
    checkedAt = now;
    const mtime = await stat(join(root, 'index.html')).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (mtime === undefined) build = undefined;
    else if (build?.indexMtime !== mtime) build = { indexMtime: mtime, assets: await scan(root) };
    return build;
  }

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req.url);
    const page = isDashboardRoute(path);
    const file = path.startsWith('/assets/') || /^\/[^/]+\.[a-z0-9]+$/i.test(path);
    if (!page && !file) return false;
    const found = await current();
    if (found === undefined) {
      if (!page) return false;
      sendNotBuilt(req, res);
      return true;
    }
    const asset = found.assets.get(page ? '/index.html' : path);
    if (asset === undefined) return false;
    await send(req, res, asset);
    return true;
  };
}

/**
 * The last handler of the dispatch: a browser opening an address nobody serves (a GET or HEAD
 * that accepts HTML, outside /api/) gets the dashboard with status 404, and the dashboard shows
 * its own "not found" page instead of the JSON error other clients keep getting.
 */
export function dashboardNotFound(root: string = DASHBOARD_DIR): RequestHandler {
  const index: Asset = { file: join(root, 'index.html'), type: TYPES['.html']!, immutable: false };
  let built: number | undefined;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req.url);
    if (path === '/api' || path.startsWith('/api/')) return false;
    if (!/\btext\/html\b/.test(String(req.headers.accept ?? ''))) return false;
    const mtime = await stat(index.file).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (mtime === undefined) return false;
    if (mtime !== built) {
      // Rebuilt while running: read it again.
      built = mtime;
      delete index.body;
      delete index.gzipped;
    }
    await send(req, res, index, 404);
    return true;
  };
}

async function scan(root: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const file = join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.isFile()) {
        const url = `/${relative(root, file).split(sep).join('/')}`;
        const type = TYPES[extname(file)] ?? 'application/octet-stream';
        assets.set(url, { file, type, immutable: url.startsWith('/assets/') });
      }
    }
  };
  await walk(root);
  return assets;
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  asset: Asset,
  status = 200,
): Promise<void> {
  if (asset.body === undefined) {
    const body = await readFile(asset.file);
    const s = await stat(asset.file);
    asset.body = body;
    asset.etag = `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    if (COMPRESSIBLE.has(extname(asset.file)) && body.length > 1024) asset.gzipped = gzipSync(body);
  }
  res.setHeader('content-type', asset.type);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('etag', asset.etag!);
  res.setHeader(
    'cache-control',
    asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  if (asset.type.startsWith('text/html')) {
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
  }
  if (asset.gzipped !== undefined) res.setHeader('vary', 'accept-encoding');
  if (status === 200 && req.headers['if-none-match'] === asset.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const gzip =
    asset.gzipped !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzipped! : asset.body;
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', body.length);
  res.statusCode = status;
  res.end(req.method === 'HEAD' ? undefined : body);
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vexil: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The dashboard is not built yet</h1>
<p>Build it from the repository root with <code>npm run build</code> (or
<code>npm run build -w @vexil/dashboard</code>; <code>npm start</code> does it too), then reload this page.</p>
<p>The REST API works meanwhile: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
`;

function sendNotBuilt(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 503;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(NOT_BUILT));
  res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
}
