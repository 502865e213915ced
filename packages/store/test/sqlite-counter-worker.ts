import { workerData } from 'node:worker_threads';
import { openSqliteStore } from '@vexil/store/sqlite';
import { incrementCounter } from './contract/helpers.js';

// Runs in a worker thread for sqlite.test.ts: the second writer on the same database file.
const { path, environmentId, count } = workerData as {
  path: string;
  environmentId: string;
  count: number;
};
const store = await openSqliteStore({ path });
try {
  await Promise.all(Array.from({ length: count }, () => incrementCounter(store, environmentId)));
} finally {
  await store.close();
}
