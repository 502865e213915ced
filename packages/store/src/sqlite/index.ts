export type { CheckpointResult } from './checkpointer.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
