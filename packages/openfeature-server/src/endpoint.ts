/** The URL of `path` under `base`, keeping a path prefix (an edge mounted at /flags behind a proxy). */
export function endpoint(base: URL, path: string): URL {
  const url = new URL(base);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** Sent as `User-Agent` on every request, so an edge's logs name the provider and its version. */
export const USER_AGENT = 'VexilOpenFeatureServer/0.1.0';
