import { useCallback, useEffect, useState } from 'react';
import { forgetToken, onTokenChange, storeToken, storedToken } from '../api/session.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { LiveProvider } from './live.js';
import { navigate, useLocation } from './navigation.js';
import { matchRoute } from './routes.js';
import { Shell } from './shell.js';

/**
 * Signed out: the sign-in page, whatever the URL; signed in: the dashboard, live (one change
 * stream per tab: live.tsx).
 */
export function App() {
  const [token, setToken] = useState(storedToken);
  // Signing in or out in another tab does the same here.
  useEffect(() => onTokenChange(setToken), []);
  const location = useLocation();
  const route = matchRoute(location.pathname);
  const signOut = useCallback(() => {
    forgetToken();
    setToken(undefined);
  }, []);
  if (token === undefined) {
    if (route.page === 'not-found') return <NotFoundPage path={route.path} standalone />;
    return (
      <SignInPage
        onSignedIn={(t) => {
          storeToken(t);
          setToken(t);
          if (route.page === 'sign-in') navigate('/', { replace: true });
        }}
      />
    );
  }
  return (
    <LiveProvider key={token} token={token} onUnauthorized={signOut}>
      <Shell token={token} route={route} onSignOut={signOut} />
    </LiveProvider>
  );
}
