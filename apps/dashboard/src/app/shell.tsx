import { useEffect, useMemo, useRef } from 'react';
import { createApiClient } from '../api/client.js';
import type { Environment, Project } from '../api/types.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { NewProjectButton, NoEnvironments } from '../pages/create-project-dialog.js';
import { Page } from './page.js';
import { SessionContext, type Session } from './api-context.js';
import { LiveIndicator, useLiveProject } from './live.js';
import { navigate } from './navigation.js';
import { routePath, sectionOf, switchScope, type Route } from './routes.js';
import { useResource } from './use-resource.js';

interface ShellProps {
  token: string;
  route: Route;
  onSignOut(): void;
}

const NAV = [
  ['flags', 'Flags'],
  ['stale-flags', 'Stale flags'],
  ['change-requests', 'Change requests'],
  ['segments', 'Segments'],
  ['filters', 'Payload filters'],
  ['environments', 'Environments'],
  ['audit', 'Audit log'],
] as const;

/** The signed-in frame: header with project, environment and sections; the page below. */
export function Shell({ token, route, onSignOut }: ShellProps) {
  const api = useMemo(() => createApiClient(token, onSignOut), [token, onSignOut]);
  const projects = useResource('projects', (signal) =>
    api.get<{ items: Project[] }>('/projects', signal).then((r) => r.items),
  );
  // The last project and environment shown, so /delivery keeps them in the header.
  const scope = useRef<{ project: string; env?: string }>(undefined);
  if ('project' in route)
    scope.current = { project: route.project, ...('env' in route ? { env: route.env } : {}) };
  const project = scope.current?.project ?? projects.data?.[0]?.key;
  const envs = useResource(`envs:${project ?? ''}`, (signal) =>
    project === undefined
      ? Promise.resolve([])
      : api
          .get<{ items: Environment[] }>(
            `/projects/${encodeURIComponent(project)}/environments`,
            signal,
          )
          .then((r) => r.items),
  );
  const env = scope.current?.env ?? preferredEnv(envs.data);
  useLiveProject(project);

  // "/" and "/projects/p" lead to a list page once projects and environments are known.
  useEffect(() => {
    if (route.page !== 'home' && route.page !== 'project' && route.page !== 'sign-in') return;
    if (project === undefined || envs.data === undefined) return;
    const target =
      route.page === 'project' && route.env !== undefined ? route.env : preferredEnv(envs.data);
    if (target !== undefined)
      navigate(routePath({ page: 'flags', project, env: target }), { replace: true });
  }, [route, project, envs.data]);

  const session: Session = {
    api,
    projects: projects.data ?? [],
    environments: envs.data ?? [],
    refreshScope: () => {
      projects.reload();
      envs.reload();
    },
    signOut: onSignOut,
  };
  const section = sectionOf(route);
  const choose = (p: string, e: string) => navigate(routePath(switchScope(route, p, e)));

  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-row">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              ⚑
            </span>{' '}
            Vexil
          </Link>
          <div className="scope">
            <label>
              <span className="scope-label">Project</span>
              <select
                value={project ?? ''}
                onChange={(e) => navigate(routePath({ page: 'project', project: e.target.value }))}
              >
                {(projects.data ?? []).map((p) => (
                  <option key={p.key} value={p.key}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span className="scope-label">Environment</span>
              <select
                value={env ?? ''}
                onChange={(e) => project !== undefined && choose(project, e.target.value)}
              >
                {(envs.data ?? []).map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.name}
                  </option>
                ))}
              </select>
            </label>
            <NewProjectButton />
          </div>
          <LiveIndicator />
          <button type="button" className="button button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        </div>
        <nav aria-label="Sections" className="nav">
          {project !== undefined &&
            env !== undefined &&
            NAV.map(([page, label]) => (
              <Link
                key={page}
                to={routePath({ page, project, env })}
                aria-current={section === page ? 'page' : undefined}
              >
                {label}
              </Link>
            ))}
          <Link to="/delivery" aria-current={section === 'delivery' ? 'page' : undefined}>
            Delivery network
          </Link>
          <Link to="/tokens" aria-current={section === 'tokens' ? 'page' : undefined}>
            API tokens
          </Link>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {projects.error !== undefined ? (
          <ErrorNotice error={projects.error} />
        ) : projects.data === undefined ? (
          <Loading what="projects" />
        ) : projects.data.length === 0 && route.page !== 'delivery' && route.page !== 'tokens' ? (
          <p>
            No projects yet: create one with New project above, or with{' '}
            <code>vexil projects create</code>.
          </p>
        ) : 'project' in route && envs.data?.length === 0 ? (
          <NoEnvironments project={route.project} />
        ) : (
          <Page route={route} />
        )}
      </main>
    </SessionContext.Provider>
  );
}

function preferredEnv(envs: readonly Environment[] | undefined): string | undefined {
  return (envs?.find((e) => e.key === 'production') ?? envs?.[0])?.key;
}
