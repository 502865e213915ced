import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL pages after which the writer checkpoints by itself: only if the worker falls behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

/** A checkpoint's outcome, as `PRAGMA wal_checkpoint` reports it. */
export interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

export interface Checkpointer {
  /** A transaction committed: schedule a checkpoint. */
  committed(): void;
  close(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the writer. SQLite checkpoints inside the COMMIT that grows the WAL
 * past `wal_autocheckpoint` pages (1,000 by default), copying pages and syncing the database file
 * on the thread that committed: a 5-10 ms stall of every request every few hundred writes. Here a
 * worker thread checkpoints shortly after each burst of commits, and the writer's own threshold
 * is raised to a safety net; if the worker dies, the writer gets SQLite's default back.
 */
export function startCheckpointer(
  writeDb: Database.Database,
  path: string,
  options: { delayMs?: number; onCheckpoint?: (result: CheckpointResult) => void } = {},
): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { path, delayMs: options.delayMs ?? 200 },
  });
  worker.unref();
  let alive = true;
  writeDb.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const fallBack = () => {
    if (!alive) return;
    alive = false;
    if (writeDb.open) writeDb.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  worker.on('message', (result: CheckpointResult) => options.onCheckpoint?.(result));
  return {
    committed() {
      if (alive) worker.postMessage('commit');
    },
    async close() {
      if (!alive) return;
      alive = false;
      // Unreferenced, it would not keep a process with nothing else to do alive until it exits.
      worker.ref();
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      await exited;
    },
  };
}
