import type { Flag } from '../api/types.js';
import { useSession } from '../app/api-context.js';
import { routePath } from '../app/routes.js';
import { Link } from '../components/link.js';
import { OnOffBadge } from '../components/status-badge.js';
import { describeServe, variationName } from '../model/flag-summary.js';

interface Props {
  project: string;
  /** The environment the page edits (its row is marked). */
  env: string;
  flag: Flag;
}

/**
 * One flag in every environment side by side: on or off, what the default rule serves, what is
 * served when off, how many rules, targets and prerequisites, and the environment's version of
 * the flag (what SDKs there have). Live: the page reloads the flag when anyone changes it.
 */
export function FlagEnvironments({ project, env, flag }: Props) {
  const { environments } = useSession();
  const rows =
    environments.length > 0
      ? environments
      : Object.keys(flag.environments).map((key) => ({ key, name: key }));
  return (
    <section aria-labelledby="flag-environments-title" className="card">
      <h2 id="flag-environments-title">Across environments</h2>
      <div className="table-scroll">
        <table className="table env-matrix">
          <caption className="visually-hidden">{flag.name} in every environment</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">State</th>
              <th scope="col">Default rule serves</th>
              <th scope="col">When off</th>
              <th scope="col">Rules</th>
              <th scope="col">Targets</th>
              <th scope="col">Prerequisites</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => {
              const t = flag.environments[e.key];
              const current = e.key === env;
              return (
                <tr
                  key={e.key}
                  className={current ? 'current' : undefined}
                  aria-current={current ? 'true' : undefined}
                >
                  <th scope="row">
                    {current ? (
                      e.name
                    ) : (
                      <Link to={routePath({ page: 'flag', project, env: e.key, flag: flag.key })}>
                        {e.name}
                      </Link>
                    )}
                    {current && <span className="muted"> (shown below)</span>}
                  </th>
                  {t === undefined ? (
                    <td colSpan={7} className="muted">
                      Not served in {e.name}
                    </td>
                  ) : (
                    <>
                      <td>
                        <OnOffBadge on={t.on} />
                      </td>
                      <td className="serves">{describeServe(flag, t.fallthrough)}</td>
                      <td>
                        {t.offVariation === undefined ? (
                          <span className="muted">the SDK default</span>
                        ) : (
                          variationName(flag, t.offVariation)
                        )}
                      </td>
                      <td>{t.rules.length}</td>
                      <td>
                        {[...t.targets, ...t.contextTargets].reduce(
                          (n, target) => n + target.values.length,
                          0,
                        )}
                      </td>
                      <td>{t.prerequisites.length}</td>
                      <td>{t.version ?? <span className="muted">—</span>}</td>
                    </>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
