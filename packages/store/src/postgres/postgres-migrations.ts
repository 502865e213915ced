import type { Migration } from '../sql/migrations.js';

// The PostgreSQL form of the schema; sqlite/sqlite-migrations.ts holds the same logical schema.
// Keys use the "C" collation so ORDER BY key is byte order, as in SQLite and the memory store,
// whatever the database's locale. Never edit a released migration: append a new version.
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE projects (
        key TEXT COLLATE "C" PRIMARY KEY,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE environments (
        id TEXT COLLATE "C" PRIMARY KEY,
        project_key TEXT COLLATE "C" NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        sdk_key TEXT NOT NULL,
        mobile_key TEXT NOT NULL,
        expiring_sdk_key JSONB,
        expiring_mobile_key JSONB,
        seq BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        UNIQUE (project_key, key)
      )`,
      `CREATE TABLE flags (
        project_key TEXT COLLATE "C" NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        doc JSONB NOT NULL,
        PRIMARY KEY (project_key, key)
      )`,
      `CREATE TABLE segments (
        environment_id TEXT COLLATE "C" NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        doc JSONB NOT NULL,
        PRIMARY KEY (environment_id, key)
      )`,
      `CREATE TABLE tokens (
        id TEXT COLLATE "C" PRIMARY KEY,
        hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        doc JSONB NOT NULL
      )`,
      'CREATE INDEX tokens_hash ON tokens (hash)',
      `CREATE TABLE audit (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        project_key TEXT,
        environment_key TEXT,
        resource_kind TEXT NOT NULL,
        resource_key TEXT NOT NULL,
        doc JSONB NOT NULL
      )`,
      'CREATE INDEX audit_at ON audit (at)',
      'CREATE INDEX audit_project ON audit (project_key, environment_key)',
      'CREATE INDEX audit_resource ON audit (resource_kind, resource_key)',
      `CREATE TABLE env_items (
        environment_id TEXT COLLATE "C" NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        kind TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        version BIGINT NOT NULL,
        item JSONB NOT NULL,
        PRIMARY KEY (environment_id, kind, key)
      )`,
      `CREATE TABLE changes (
        environment_id TEXT COLLATE "C" NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        version BIGINT NOT NULL,
        item JSONB NOT NULL,
        committed_at BIGINT NOT NULL,
        PRIMARY KEY (environment_id, seq)
      )`,
    ],
  },
  {
    version: 2,
    statements: [
      `CREATE TABLE insights (
        environment_id TEXT COLLATE "C" NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
        flag_key TEXT COLLATE "C" NOT NULL,
        variation INTEGER NOT NULL,
        bucket_start BIGINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (environment_id, flag_key, bucket_start, variation)
      )`,
    ],
  },
  {
    version: 3,
    statements: [
      'ALTER TABLE changes ADD COLUMN trace TEXT',
      `CREATE TABLE edge_reports (
        id TEXT COLLATE "C" PRIMARY KEY,
        reported_at BIGINT NOT NULL,
        doc JSONB NOT NULL
      )`,
    ],
  },
  {
    version: 4,
    statements: [
      `CREATE TABLE filters (
        project_key TEXT COLLATE "C" NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        doc JSONB NOT NULL,
        PRIMARY KEY (project_key, key)
      )`,
    ],
  },
  {
    version: 5,
    statements: [
      `CREATE TABLE directory_marks (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subject TEXT NOT NULL
      )`,
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
      'ALTER TABLE environments ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0',
      'CREATE INDEX environments_changed_at ON environments (changed_at)',
    ],
  },
  {
    version: 7,
    statements: [
      // Client-side secure mode (docs/protocol.md section 4.4); existing environments stay off.
      'ALTER TABLE environments ADD COLUMN secure_mode BOOLEAN NOT NULL DEFAULT false',
    ],
  },
  {
    version: 8,
    statements: [
      // Scheduled flag changes (apps/origin/src/schedule-runner.ts): the runner claims pending
      // ones by run_at; lists read them by project and flag.
      `CREATE TABLE schedules (
        id TEXT COLLATE "C" PRIMARY KEY,
        project_key TEXT COLLATE "C" NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        flag_key TEXT COLLATE "C" NOT NULL,
        run_at BIGINT NOT NULL,
        status TEXT NOT NULL,
        doc JSONB NOT NULL
      )`,
      'CREATE INDEX schedules_due ON schedules (status, run_at)',
      'CREATE INDEX schedules_flag ON schedules (project_key, flag_key)',
    ],
  },
  {
    version: 9,
    statements: [
      // Approvals: an environment may require them, and change requests wait for them.
      'ALTER TABLE environments ADD COLUMN require_approval BOOLEAN NOT NULL DEFAULT false',
      `CREATE TABLE change_requests (
        id TEXT COLLATE "C" PRIMARY KEY,
        project_key TEXT COLLATE "C" NOT NULL REFERENCES projects (key) ON DELETE CASCADE,
        flag_key TEXT COLLATE "C" NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        doc JSONB NOT NULL
      )`,
      'CREATE INDEX change_requests_project ON change_requests (project_key, created_at)',
    ],
  },
];
