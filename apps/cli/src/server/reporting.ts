import { startReporting, type Edge } from '@vexil/edge';
import type { Logger } from '@vexil/protocol';
import type { Store } from '@vexil/store';

/** How often edges report themselves for the network view. */
export const REPORT_INTERVAL_MS = 5_000;

/** An edge in the store's own process (`vexil start`, `vexil origin`) reports straight into it. */
export function reportIntoStore(edge: Edge, store: Store, logger: Logger): () => void {
  return startReporting(
    () => edge.report(),
    (report) => store.transaction((tx) => tx.putEdgeReport(report)),
    REPORT_INTERVAL_MS,
    logger,
  );
}
