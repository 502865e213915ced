import type { EdgeReport, Logger } from '@vexil/protocol';

/**
 * Sends the edge's report every `intervalMs` (the delivery network view). A failed send is
 * logged and forgotten: the next report replaces it.
 */
export function startReporting(
  report: () => EdgeReport,
  send: (report: EdgeReport) => Promise<void>,
  intervalMs: number,
  logger: Logger,
): () => void {
  let failing = false;
  const tick = () => {
    send(report()).then(
      () => {
        if (failing) logger.info({}, 'edge report delivered again');
        failing = false;
      },
      (err: unknown) => {
        if (!failing) logger.warn({ err }, 'could not deliver the edge report; will retry');
        failing = true;
      },
    );
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  setImmediate(tick);
  return () => clearInterval(timer);
}
