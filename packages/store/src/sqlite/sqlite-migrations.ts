import type { Migration } from '../sql/migrations.js';

// The SQLite form of the schema; postgres/postgres-migrations.ts holds the same logical schema.
// STRICT tables reject values of the wrong type instead of silently storing them. Never edit a
// released migration: append a new version.
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE projects (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT`,
      `CREATE TABLE environments (
        id TEXT PRIMARY KEY,
        project_key TEXT NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT NOT NULL,
        name TEXT NOT NULL,
        sdk_key TEXT NOT NULL,
        mobile_key TEXT NOT NULL,
        expiring_sdk_key TEXT,
        expiring_mobile_key TEXT,
        seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        UNIQUE (project_key, key)
      ) STRICT`,
      `CREATE TABLE flags (
        project_key TEXT NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (project_key, key)
      ) STRICT`,
      `CREATE TABLE segments (
        environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (environment_id, key)
      ) STRICT`,
      `CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        doc TEXT NOT NULL
      ) STRICT`,
      'CREATE INDEX tokens_hash ON tokens (hash)',
      `CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        project_key TEXT,
        environment_key TEXT,
        resource_kind TEXT NOT NULL,
        resource_key TEXT NOT NULL,
        doc TEXT NOT NULL
      ) STRICT`,
      'CREATE INDEX audit_at ON audit (at)',
      'CREATE INDEX audit_project ON audit (project_key, environment_key)',
      'CREATE INDEX audit_resource ON audit (resource_kind, resource_key)',
      `CREATE TABLE env_items (
        environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        item TEXT NOT NULL,
        PRIMARY KEY (environment_id, kind, key)
      ) STRICT`,
      `CREATE TABLE changes (
        environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        item TEXT NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (environment_id, seq)
      ) STRICT`,
    ],
  },
  {
    version: 2,
    statements: [
      `CREATE TABLE insights (
        environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        flag_key TEXT NOT NULL,
        variation INTEGER NOT NULL,
        bucket_start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (environment_id, flag_key, bucket_start, variation)
      ) STRICT`,
    ],
  },
  {
    version: 3,
    statements: [
      'ALTER TABLE changes ADD COLUMN trace TEXT',
      `CREATE TABLE edge_reports (
        id TEXT PRIMARY KEY,
        reported_at INTEGER NOT NULL,
        doc TEXT NOT NULL
      ) STRICT`,
    ],
  },
  {
    version: 4,
    statements: [
      `CREATE TABLE filters (
        project_key TEXT NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (project_key, key)
      ) STRICT`,
    ],
  },
  {
    version: 5,
    statements: [
      `CREATE TABLE directory_marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subject TEXT NOT NULL
      ) STRICT`,
      // An upgraded database publishes its whole directory once.
      `INSERT INTO directory_marks (subject)
        SELECT 'environment:' || id FROM environments ORDER BY id`,
      `INSERT INTO directory_marks (subject)
        SELECT 'token:' || hash FROM tokens ORDER BY id`,
    ],
  },
  {
    version: 6,
    statements: [
      // Unix ms of the environment's last change: the outbox sweep reads only the environments
      // changed lately, not all of them.
      'ALTER TABLE environments ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0',
      'CREATE INDEX environments_changed_at ON environments (changed_at)',
    ],
  },
  {
    version: 7,
    statements: [
      // Client-side secure mode (docs/protocol.md section 4.4); existing environments stay off.
      'ALTER TABLE environments ADD COLUMN secure_mode INTEGER NOT NULL DEFAULT 0 CHECK (secure_mode IN (0, 1))',
    ],
  },
  {
    version: 8,
    statements: [
      // Scheduled flag changes (apps/origin/src/schedule-runner.ts): the runner claims pending
      // ones by run_at; lists read them by project and flag.
      `CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        project_key TEXT NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        flag_key TEXT NOT NULL,
        run_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        doc TEXT NOT NULL
      ) STRICT`,
      'CREATE INDEX schedules_due ON schedules (status, run_at)',
      'CREATE INDEX schedules_flag ON schedules (project_key, flag_key)',
    ],
  },
  {
    version: 9,
    statements: [
      // Approvals: an environment may require them, and change requests wait for them.
      'ALTER TABLE environments ADD COLUMN require_approval INTEGER NOT NULL DEFAULT 0 CHECK (require_approval IN (0, 1))',
      `CREATE TABLE change_requests (
        id TEXT PRIMARY KEY,
        project_key TEXT NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        flag_key TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        doc TEXT NOT NULL
      ) STRICT`,
      'CREATE INDEX change_requests_project ON change_requests (project_key, created_at)',
    ],
  },
];
