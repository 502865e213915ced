import type { Targeting } from '../api/types.js';

// Which client-side SDKs get a flag in an environment. Server-side SDKs get every flag; browser
// SDKs (client-side ID) and mobile SDKs (mobile key) only flags marked for them, and otherwise
// silently serve their default value: the flag list says so next to such a flag.

/** The hint for a flag that browser SDKs do not get in this environment, if it is one. */
export function clientSideHint(targeting: Targeting | undefined): string | undefined {
  const available = targeting?.clientSideAvailability;
  if (targeting === undefined || available?.usingEnvironmentId === true) return undefined;
  return available?.usingMobileKey === true ? 'Not for browser SDKs' : 'Server-side SDKs only';
}

/** The longer explanation of that hint. */
export function clientSideExplanation(targeting: Targeting | undefined): string | undefined {
  if (clientSideHint(targeting) === undefined) return undefined;
  return 'Browser SDKs (client-side ID) do not get this flag and serve their default value; turn on "Available to browser SDKs" in its targeting.';
}
