import { describe } from 'node:test';
import { auditContract } from './contract/audit.js';
import { cascadeContract } from './contract/cascade.js';
import { changeContract } from './contract/changes.js';
import { changeRequestContract } from './contract/change-requests.js';
import { createContract } from './contract/creates.js';
import { crudContract } from './contract/crud.js';
import { directoryMarkContract } from './contract/directory-marks.js';
import { edgeReportContract } from './contract/edge-reports.js';
import { insightsContract } from './contract/insights.js';
import { insightSummaryContract } from './contract/insight-summary.js';
import { useStore, type OpenStore } from './contract/harness.js';
import { persistenceContract } from './contract/persistence.js';
import { scheduleContract } from './contract/schedules.js';
import { transactionContract } from './contract/transactions.js';

export type { OpenStore, StoreHarness } from './contract/harness.js';

/**
 * The behaviour every Store implementation owes its callers. Each implementation's test file
 * calls this with a function that opens a fresh, empty store for every test.
 */
export function runStoreContract(name: string, open: OpenStore): void {
  describe(`Store contract: ${name}`, () => {
    const ctx = useStore(open);
    crudContract(ctx);
    createContract(ctx);
    cascadeContract(ctx);
    transactionContract(ctx);
    changeContract(ctx);
    auditContract(ctx);
    insightsContract(ctx);
    insightSummaryContract(ctx);
    edgeReportContract(ctx);
    directoryMarkContract(ctx);
    persistenceContract(ctx);
    changeRequestContract(ctx);
    scheduleContract(ctx);
  });
}
