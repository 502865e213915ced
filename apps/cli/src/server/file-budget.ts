import { readFileSync } from 'node:fs';

// Every connection is a file descriptor, and a process may open only so many (the soft
// RLIMIT_NOFILE; 20,000 here, and root cannot raise it). A server spends them on purpose: SDK
// streams up to a cap below the limit, and the rest kept for everything else, so that at the
// cap a new stream is answered 503 rather than the process failing to accept or to open a file.

/** Files a process may open, from /proc (the soft RLIMIT_NOFILE); 1024 if unknown. */
export function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null ? 1024 : Number(m[1]);
  } catch {
    return 1024;
  }
}

/**
 * Descriptors never given to connections: the listening socket, the store's files (SQLite's
 * database, journal and shared memory), NATS and Redis clients, logs. Past the connection
 * budget a new connection is still accepted and answered 503 (front-door.ts), then closed.
 */
const PROCESS_RESERVE = 64;

/**
 * Descriptors a process that also serves the REST API (`vexil start`, `vexil origin`) keeps out
 * of its SDK streams: API, dashboard, metrics and health connections, and 503 answers at the cap.
 */
const API_RESERVE = 1024;

/** SDK streams of a process that also serves the API: at the cap, streams get 503 + Retry-After. */
export function apiProcessStreamCap(limit = openFileLimit()): number {
  return Math.max(1, limit - API_RESERVE);
}

/** Connections of every kind a process holds at once (the front door's budget). */
export function connectionBudget(limit = openFileLimit()): number {
  return Math.max(16, limit - PROCESS_RESERVE);
}
