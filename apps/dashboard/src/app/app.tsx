import { useCallback, useState } from 'react';
import { forgetToken, storeToken, storedToken } from '../api/session.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { navigate, useLocation } from './navigation.js';
import { matchRoute } from './routes.js';
import { Shell } from './shell.js';

/** Signed out: the sign-in page, whatever the URL; signed in: the dashboard. */
export function App() {
  const [token, setToken] = useState(storedToken);
  const location = useLocation();
  const route = matchRoute(location.pathname);
  const signOut = useCallback(() => {
    forgetToken();
    setToken(undefined);
  }, []);
  if (token === undefined) {
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
  return <Shell key={token} token={token} route={route} onSignOut={signOut} />;
}
