import type { Targeting } from '../api/types.js';
import { clientSideExplanation, clientSideHint } from '../model/client-side.js';

/** Under a flag in a list: browser SDKs do not get it here (they serve their default). */
export function ClientSideHint({ targeting }: { targeting: Targeting | undefined }) {
  const hint = clientSideHint(targeting);
  if (hint === undefined) return null;
  return (
    <div className="client-side-hint" title={clientSideExplanation(targeting)}>
      {hint}
      <span className="visually-hidden">: {clientSideExplanation(targeting)}</span>
    </div>
  );
}
