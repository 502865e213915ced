// Server processes started by a test must not outlive it. `after` hooks stop them in the normal
// course; these cleanups are the last resort, run synchronously when the test process exits or
// is ended by a signal (a runner's timeout, Ctrl-C), after which the signal is raised again so
// that the process still dies of it.

const cleanups = new Set<() => void>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
let installed = false;

function runAll(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the others still run
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.kill(process.pid, signal);
}

/** Runs `cleanup` (synchronous) if the process exits or is signalled; returns the undo. */
export function reapOnExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
