// The dashboard's client-side routes. Every page lives under /projects/... or /delivery (and
// /sign-in), so the server can tell dashboard pages from the SDK-facing paths on the same port
// (/flags, /all, /sdk/..., /eval/...) and answer them with index.html.

export type Section =
  'flags' | 'segments' | 'filters' | 'environments' | 'audit' | 'stale-flags' | 'change-requests';

export type Route =
  | { page: 'home' }
  | { page: 'sign-in' }
  | { page: 'delivery' }
  | { page: 'tokens' }
  | { page: 'project'; project: string; env?: string }
  | { page: 'flags'; project: string; env: string }
  | { page: 'flag'; project: string; env: string; flag: string }
  | { page: 'insights'; project: string; env: string; flag: string }
  | { page: 'segments'; project: string; env: string }
  | { page: 'segment'; project: string; env: string; segment: string }
  | { page: 'filters'; project: string; env: string }
  | { page: 'environments'; project: string; env: string }
  | { page: 'audit'; project: string; env: string }
  | { page: 'stale-flags'; project: string; env: string }
  | { page: 'change-requests'; project: string; env: string }
  | { page: 'not-found'; path: string };

const enc = encodeURIComponent;

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '');
  const decoded = parts.map(decode);
  if (decoded.some((p) => p === undefined)) return { page: 'not-found', path: pathname };
  const [a, project, b, env, section, item, sub] = decoded as string[];
  if (a === undefined) return { page: 'home' };
  if (a === 'sign-in' && parts.length === 1) return { page: 'sign-in' };
  if (a === 'delivery' && parts.length === 1) return { page: 'delivery' };
  if (a === 'tokens' && parts.length === 1) return { page: 'tokens' };
  if (a !== 'projects' || project === undefined) return { page: 'not-found', path: pathname };
  if (b === undefined) return { page: 'project', project };
  if (b !== 'envs' || env === undefined) return { page: 'not-found', path: pathname };
  const at = { project, env };
  if (section === undefined) return { page: 'project', ...at };
  switch (section) {
    case 'flags':
      if (item === undefined) return { page: 'flags', ...at };
      if (sub === undefined) return { page: 'flag', ...at, flag: item };
      if (sub === 'insights' && parts.length === 7) return { page: 'insights', ...at, flag: item };
      break;
    case 'segments':
      if (item === undefined) return { page: 'segments', ...at };
      if (sub === undefined) return { page: 'segment', ...at, segment: item };
      break;
    case 'filters':
    case 'environments':
    case 'audit':
    case 'stale-flags':
    case 'change-requests':
      if (item === undefined) return { page: section, ...at };
      break;
  }
  return { page: 'not-found', path: pathname };
}

export function routePath(route: Route): string {
  switch (route.page) {
    case 'home':
      return '/';
    case 'sign-in':
      return '/sign-in';
    case 'delivery':
      return '/delivery';
    case 'tokens':
      return '/tokens';
    case 'not-found':
      return route.path;
    case 'project':
      return route.env === undefined
        ? `/projects/${enc(route.project)}`
        : `/projects/${enc(route.project)}/envs/${enc(route.env)}`;
  }
  const base = `/projects/${enc(route.project)}/envs/${enc(route.env)}`;
  switch (route.page) {
    case 'flags':
    case 'segments':
    case 'filters':
    case 'environments':
    case 'audit':
    case 'stale-flags':
    case 'change-requests':
      return `${base}/${route.page}`;
    case 'flag':
      return `${base}/flags/${enc(route.flag)}`;
    case 'insights':
      return `${base}/flags/${enc(route.flag)}/insights`;
    case 'segment':
      return `${base}/segments/${enc(route.segment)}`;
  }
}

/** The nav section a route belongs to, for highlighting. */
export function sectionOf(route: Route): Section | 'delivery' | 'tokens' | undefined {
  switch (route.page) {
    case 'flags':
    case 'flag':
    case 'insights':
      return 'flags';
    case 'segments':
    case 'segment':
      return 'segments';
    case 'filters':
    case 'environments':
    case 'audit':
    case 'stale-flags':
    case 'change-requests':
    case 'delivery':
    case 'tokens':
      return route.page;
    default:
      return undefined;
  }
}

/** The same page in another project or environment (item pages fall back to their list). */
export function switchScope(route: Route, project: string, env: string): Route {
  const section = sectionOf(route);
  const sameProject = 'project' in route && route.project === project;
  if (route.page === 'flag' || route.page === 'insights') {
    if (sameProject) return { ...route, env };
  }
  if (section === undefined || section === 'delivery' || section === 'tokens')
    return { page: 'flags', project, env };
  return { page: section, project, env };
}
