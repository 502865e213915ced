import type { LiveChange } from '../api/event-stream.js';

// Which changes make a page's data stale, by the key the page loads it under (useResource): the
// flag list reloads on any flag change of its project, a flag page on changes of that flag, a
// segment page on that segment in its environment, and so on. Keys are `kind:project:...`; no key
// the API accepts contains `:`. A key not listed here is not reloaded by changes (insights, the
// delivery network: they are not made of committed changes).

export type ChangeMatch = (change: LiveChange) => boolean;

/** Whether `change` makes the data loaded under `key` stale; undefined: no change does. */
export function liveMatch(key: string): ChangeMatch | undefined {
  const [kind, project, a, b] = key.split(':');
  if (kind === 'projects') return (c) => c.kind === 'project';
  if (project === undefined) return undefined;
  const inProject =
    (match: ChangeMatch): ChangeMatch =>
    (c) =>
      c.projectKey === project && match(c);
  /** Every flag and every environment's targeting at once: an import, a new environment. */
  const wide = (c: LiveChange) =>
    c.kind === 'data' || c.kind === 'environment' || c.kind === 'project';
  switch (kind) {
    case 'envs':
    case 'envs-page':
      return inProject((c) => c.kind === 'environment' || c.kind === 'project');
    case 'flags':
      return inProject((c) => c.kind === 'flag' || wide(c));
    case 'flag':
      return inProject((c) => (c.kind === 'flag' && c.key === a) || wide(c));
    case 'segments':
    case 'segments-full':
      return inProject(
        (c) =>
          (c.kind === 'segment' && c.environmentKey === a) ||
          (c.kind === 'data' && c.environmentKey === a) ||
          c.kind === 'environment' ||
          c.kind === 'project',
      );
    case 'segment':
      return inProject(
        (c) =>
          (c.kind === 'segment' && c.environmentKey === a && c.key === b) ||
          (c.kind === 'data' && c.environmentKey === a),
      );
    // A filter serves flags by key and tag: a flag's tags or its removal change what it serves.
    case 'filters':
      return inProject((c) => c.kind === 'filter' || c.kind === 'flag' || wide(c));
    case 'audit':
      return inProject(() => true);
    default:
      return undefined;
  }
}
