import type { Logger } from '@vexil/protocol';
import type {
  NewAuditEntry,
  ScheduledMark,
  ScheduleRecord,
  Store,
  StoreTransaction,
} from '@vexil/store';
import { flagRepresentation } from './domain/flag-model.js';
import { commitFlag } from './domain/commit.js';
import { prepareFlagPatch } from './api/flag-patch.js';
import { refuseWhereApprovalRequired } from './domain/change-request-policy.js';
import { patchAction } from './api/flags.js';
import type { Operation } from './api/json-patch.js';
import { components } from './api/schemas.js';
import { auditSchedule } from './api/schedules.js';
import { ApiError } from './http/api-error.js';
import { SchemaRegistry } from './http/validation.js';

// Runs scheduled flag changes when due. Each due schedule is claimed, applied and marked done in
// ONE transaction: the claim locks its row (PostgreSQL FOR UPDATE SKIP LOCKED; SQLite and the
// memory store run one writer at a time), so two origins never both run one, and a crash before
// commit leaves both the flag and the schedule as they were, to be run by the next tick or the
// next start. Applying goes through the PATCH route's checks (api/flag-patch.ts) and commit path
// (commitFlag: change log, published to edges, audited), against the flag as it is then. A patch
// that no longer applies (flag deleted, path gone, invalid result) marks the schedule failed, with
// the reason, instead of being tried again. At start the runner runs everything already due (a
// change due while no origin ran), recording how late it ran.

export interface ScheduleRunnerOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** The clock (tests pass a fake one). Default Date.now. */
  readonly now?: () => number;
  /** How often due schedules are looked for (the first time at start). Default 1000 ms. */
  readonly intervalMs?: number;
  /** Told of the environments each applied change reached (the publisher's kick). */
  readonly onCommit?: (environmentIds: readonly string[]) => void;
}

export interface ScheduleRunner {
  /** Runs every schedule due now; resolves with how many ran (done or failed). */
  runDue(): Promise<number>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Schedules one run applies before yielding to the next tick. */
const MAX_PER_RUN = 100;

export function startScheduleRunner(options: ScheduleRunnerOptions): ScheduleRunner {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const schemas = new SchemaRegistry(components);
  let running: Promise<number> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const runDue = (): Promise<number> => {
    running ??= (async () => {
      let ran = 0;
      try {
        while (ran < MAX_PER_RUN && !stopped) {
          const outcome = await store.transaction((tx) => runOne(tx, schemas, now));
          if (outcome === undefined) break;
          ran++;
          if (outcome.status === 'failed') {
            logger.warn(
              { scheduleId: outcome.id, flag: outcome.flagKey, reason: outcome.error },
              'a scheduled change failed',
            );
          } else {
            logger.info(
              { scheduleId: outcome.id, flag: outcome.flagKey, lateness: outcome.lateness },
              'applied a scheduled change',
            );
          }
          if (outcome.environmentIds.length > 0) options.onCommit?.(outcome.environmentIds);
        }
      } catch (e) {
        logger.warn({ err: e }, 'running scheduled changes failed; tried again next interval');
      }
      return ran;
    })().finally(() => (running = undefined));
    return running;
  };

  const tick = () => {
    void runDue().finally(() => {
      if (stopped) return;
      timer = setTimeout(tick, options.intervalMs ?? 1000);
      timer.unref();
    });
  };
  tick();

  return {
    runDue,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

type Outcome = ScheduleRecord & { readonly environmentIds: readonly string[] };

/** Claims the oldest due schedule and applies it, or marks it failed; undefined if none is due. */
async function runOne(
  tx: StoreTransaction,
  schemas: SchemaRegistry,
  now: () => number,
): Promise<Outcome | undefined> {
  const [schedule] = await tx.claimDueSchedules(now(), 1);
  if (schedule === undefined) return undefined;
  const ranAt = now();
  const lateness = Math.max(0, ranAt - schedule.runAt);
  const mark: ScheduledMark = {
    scheduleId: schedule.id,
    scheduledBy: schedule.createdBy,
    scheduledAt: schedule.createdAt,
    runAt: schedule.runAt,
    lateness,
  };
  const ran = { ...schedule, ranAt, lateness, version: schedule.version + 1, updatedAt: ranAt };
  let prepared;
  try {
    prepared = await prepareFlagPatch(
      tx,
      schemas,
      schedule.projectKey,
      schedule.flagKey,
      schedule.patch as unknown as Operation[],
    );
    await refuseWhereApprovalRequired(
      tx,
      schedule.projectKey,
      schedule.patch as unknown as Operation[],
    );
  } catch (e) {
    // Checked before anything is written: the transaction is still clean.
    if (!(e instanceof ApiError)) throw e;
    const failed: ScheduleRecord = { ...ran, status: 'failed', error: e.message };
    const auditId = await auditSchedule(
      tx,
      'flag.schedule-fail',
      schedule.createdBy,
      ranAt,
      schedule,
      failed,
      { scheduled: mark },
    );
    failed.auditId = auditId;
    await tx.putSchedule(failed);
    return { ...failed, environmentIds: [] };
  }
  const { before, after, envKeys } = prepared;
  let auditId: number | undefined;
  const marked = markingTransaction(tx, mark, (id) => (auditId = id));
  const result = await commitFlag(marked, schedule.projectKey, before, after, {
    actor: schedule.createdBy,
    action: patchAction(before, after),
    now: ranAt,
    ...(schedule.comment === undefined ? {} : { comment: schedule.comment }),
  });
  const done: ScheduleRecord = {
    ...ran,
    status: 'done',
    appliedVersion: Number(flagRepresentation(after, envKeys)['version']),
    ...(auditId === undefined ? {} : { auditId }),
  };
  await tx.putSchedule(done);
  return { ...done, environmentIds: result.environmentIds };
}

/** `tx`, marking every audit entry it appends as made by the schedule, and reporting its id. */
function markingTransaction(
  tx: StoreTransaction,
  scheduled: ScheduledMark,
  appended: (id: number) => void,
): StoreTransaction {
  const appendAudit = async (entry: NewAuditEntry) => {
    const id = await tx.appendAudit({ ...entry, scheduled });
    appended(id);
    return id;
  };
  return new Proxy(tx, {
    get(target, property) {
      if (property === 'appendAudit') return appendAudit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
