import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// Runs in a worker thread (see checkpointer.ts): copies committed WAL frames into the database
// file on its own connection, so the fsyncs of a checkpoint never block the event loop that
// serves requests. PASSIVE neither waits for nor blocks readers and the writer.

const { path, delayMs } = workerData as { path: string; delayMs: number };
const db = new Database(path, { fileMustExist: true });
let timer: NodeJS.Timeout | undefined;

function checkpoint(): void {
  timer = undefined;
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as {
    busy: number;
    log: number;
    checkpointed: number;
  }[];
  parentPort!.postMessage(result);
}

parentPort!.on('message', (message: 'commit' | 'close') => {
  if (message === 'close') {
    clearTimeout(timer);
    db.close();
    parentPort!.close();
    return;
  }
  // Commits come in bursts: one checkpoint per burst, `delayMs` after its first commit.
  timer ??= setTimeout(checkpoint, delayMs);
});
