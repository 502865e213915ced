export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { type PostgresTls } from './pg-pool.js';
