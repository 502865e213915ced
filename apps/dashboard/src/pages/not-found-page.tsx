import { useEffect } from 'react';
import { Link } from '../components/link.js';

interface Props {
  /** The address that matched no page. */
  path: string;
  /** Shown on its own, before sign-in (outside the dashboard's frame). */
  standalone?: boolean;
}

/**
 * What an unknown dashboard address shows: the server answers it with the app (and a 404
 * status) instead of the API's JSON error, and the app says so here.
 */
export function NotFoundPage({ path, standalone = false }: Props) {
  useEffect(() => {
    if (standalone) document.title = 'Not found · Vexil';
  }, [standalone]);
  const page = (
    <section className="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>
        Nothing is shown at <code>{path}</code>. The address may be mistyped, or what it showed may
        have been deleted or renamed.
      </p>
      <p>
        <Link to="/">{standalone ? 'Sign in to the dashboard' : 'Go to the flags'}</Link>
        {' · '}
        <Link to="/delivery">Delivery network</Link>
      </p>
    </section>
  );
  return standalone ? <main id="main">{page}</main> : page;
}
