import type { Database } from 'better-sqlite3';

/**
 * The store's schema, built step by step. `PRAGMA user_version` holds the number of steps applied; opening a store
 * applies the missing ones in one transaction each, so a store is always at one version or the next, never between.
 * A step is never edited once released: a change is a new step.
 */
export const MIGRATIONS: readonly ((db: Database) => void)[] = [
  // 1: the journal: runs (one per run folder), task runs (one per worker process), crossings, checkpoints.
  (db) =>
    db.exec(`
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT,
        folder TEXT,
        config TEXT,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
      CREATE TABLE task_runs (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id),
        chain_id INTEGER NOT NULL,
        task TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('camera', 'video')),
        source TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        lines TEXT NOT NULL,
        file_size INTEGER,
        file_mtime INTEGER,
        start_frame INTEGER,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
      );
      CREATE INDEX task_runs_task ON task_runs (task, id);
      CREATE INDEX task_runs_chain ON task_runs (chain_id, id);
      CREATE TABLE crossings (
        id INTEGER PRIMARY KEY,
        task_run_id INTEGER NOT NULL REFERENCES task_runs(id),
        task TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        line TEXT NOT NULL,
        track INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        frame INTEGER NOT NULL,
        pts REAL NOT NULL,
        ts INTEGER NOT NULL,
        void INTEGER NOT NULL DEFAULT 0,
        attributes TEXT,
        UNIQUE (task_run_id, seq)
      );
      CREATE INDEX crossings_task_ts ON crossings (task, ts);
      CREATE TABLE checkpoints (
        task_run_id INTEGER PRIMARY KEY REFERENCES task_runs(id),
        frame INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        fps REAL,
        ts INTEGER NOT NULL
      );
    `),
  // 2: reports: coverage intervals, the occupancy rules of each task run and the occupancy after each crossing; meta.
  (db) => {
    db.exec(`
      ALTER TABLE task_runs ADD COLUMN occupancy_reset TEXT;
      ALTER TABLE task_runs ADD COLUMN occupancy_floor INTEGER;
      ALTER TABLE task_runs ADD COLUMN zone TEXT;
      ALTER TABLE crossings ADD COLUMN occupancy INTEGER;
      CREATE TABLE coverage (
        id INTEGER PRIMARY KEY,
        task_run_id INTEGER NOT NULL REFERENCES task_runs(id),
        task TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL CHECK (end >= start)
      );
      CREATE INDEX coverage_task ON coverage (task, end);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    `);
    // Crossings written before step 2 get the occupancy they had: in − out of their count (no reset, no floor then).
    db.exec(`
      UPDATE crossings SET occupancy = (
        SELECT SUM(CASE c.direction WHEN 'in' THEN 1 ELSE -1 END)
        FROM crossings c JOIN task_runs t ON t.id = c.task_run_id
        WHERE t.chain_id = (SELECT chain_id FROM task_runs WHERE id = crossings.task_run_id)
          AND c.void = 0 AND (c.ts < crossings.ts OR (c.ts = crossings.ts AND c.id <= crossings.id))
      ) WHERE void = 0;
    `);
  },
  // 3: fleet mode. Each crossing says when it was stored and, from a fleet agent, which run reported it (a run's seq
  // is unique across controllers); the controller's marks of what it stored of each run (exactly once by run and n),
  // and the runs' claims, which decide which run counts a file's frames after a resume.
  (db) =>
    db.exec(`
      ALTER TABLE crossings ADD COLUMN stored_at INTEGER;
      ALTER TABLE crossings ADD COLUMN fleet_run TEXT;
      CREATE UNIQUE INDEX crossings_fleet_run ON crossings (fleet_run, seq) WHERE fleet_run IS NOT NULL;
      CREATE TABLE fleet_runs (
        run TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        through INTEGER NOT NULL DEFAULT 0,
        claim INTEGER,
        start_frame INTEGER,
        fps REAL
      );
      CREATE INDEX fleet_runs_task ON fleet_runs (task, claim);
      CREATE TABLE fleet_ahead (run TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (run, n)) WITHOUT ROWID;
    `),
  // 4: a file's checkpoint keeps the worker's counting state after its frame (worker/resume-state.ts, JSON), which a
  // resumed worker continues from exactly; checkpoints stored before have none (a warm-up then rebuilds what it can).
  (db) => db.exec(`ALTER TABLE checkpoints ADD COLUMN state TEXT;`),
  // 5: a fleet run that goes on from a counting state records where in the counting order the state was taken (after
  // crossing mark_seq of fleet run mark_run): the earlier runs' crossings after it are void, whatever frame they are
  // dated. Runs claimed before have none (their claims voided by frame).
  (db) => db.exec(`ALTER TABLE fleet_runs ADD COLUMN mark_run TEXT; ALTER TABLE fleet_runs ADD COLUMN mark_seq INTEGER;`),
  // 6: a fleet controller's checkpoint says which fleet run's events made it: with its seq, the mark of its state, which
  // a returning controller's submit carries (a resume from it voids that run's crossings by counting order).
  (db) => db.exec(`ALTER TABLE checkpoints ADD COLUMN fleet_run TEXT;`),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A store of a schema version this pcount-tui does not know: a newer one wrote it. The message is the detail only. */
export class NewerSchemaError extends Error {
  constructor(readonly version: number) {
    super(`schema version ${version}, this one knows up to ${SCHEMA_VERSION}`);
    this.name = 'NewerSchemaError';
  }
}

/** Brings the database to SCHEMA_VERSION, or to `target` (tests build older stores with it). */
export function migrate(db: Database, target = SCHEMA_VERSION): { from: number; to: number } {
  const from = Number(db.pragma('user_version', { simple: true }));
  if (from > SCHEMA_VERSION) {
    throw new NewerSchemaError(from);
  }
  for (let v = from; v < target; v++) {
    db.transaction(() => {
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return { from, to: Math.max(from, target) };
}
