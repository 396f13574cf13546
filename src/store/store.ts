import type Database from 'better-sqlite3';
import { countedAgain } from './fleet-marks.js';
import { openDatabase, type OpenOptions } from './open.js';

const COUNTED_AGAIN = countedAgain(
  { run: 'mine.run', seq: '@seq', frame: '@frame', runStart: 'mine.start_frame' },
  { from: 'later.start_frame', markRun: 'later.mark_run', markSeq: 'later.mark_seq' },
);
import { INTERRUPTED, type ChainTally, type Checkpoint, type CrossingInsert, type CrossingRow, type NewTaskRun, type RunRow, type TaskRunEnd, type TaskRunRow } from './rows.js';

/**
 * The SQLite store of one results folder (WAL mode). Writes in the counting path are single small statements in
 * autocommit mode: each is durable against a crash of the process as soon as it returns (synchronous=NORMAL: the WAL
 * is written, not yet fsynced; `sync()` makes everything so far survive a power cut too).
 */
export class Store {
  private readonly stmts;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
  ) {
    this.stmts = {
      // A file's crossing is void when a run claimed after the one that reported it counts it again (fleet mode: a
      // re-queued file resumed from a checkpoint): the claim's rule (countedAgain), for a crossing that arrives after it.
      insertCrossing: db.prepare(
        `INSERT OR IGNORE INTO crossings (task_run_id, task, seq, line, track, direction, frame, pts, ts, occupancy, attributes, fleet_run, stored_at, void)
         VALUES (@taskRunId, @task, @seq, @line, @track, @direction, @frame, @pts, @ts, @occupancy, @attributes, @fleetRun, @storedAt,
           EXISTS (SELECT 1 FROM fleet_runs mine JOIN fleet_runs later ON later.task = mine.task AND later.claim > COALESCE(mine.claim, 0)
                   WHERE mine.run = @fleetRun AND ${COUNTED_AGAIN}))
         RETURNING void`,
      ),
      saveCheckpoint: db.prepare(`INSERT OR REPLACE INTO checkpoints (task_run_id, frame, seq, fps, ts, state, fleet_run) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      addCoverage: db.prepare(`INSERT INTO coverage (task_run_id, task, start, end) VALUES (?, ?, ?, ?)`),
      extendCoverage: db.prepare(`UPDATE coverage SET end = ? WHERE id = ?`),
      heartbeat: db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ?`),
      setAttributes: db.prepare(`UPDATE crossings SET attributes = ? WHERE task_run_id = ? AND seq = ?`),
      fleetCrossing: db.prepare(`SELECT task_run_id AS taskRunId, line, attributes FROM crossings WHERE fleet_run = ? AND seq = ? AND void = 0`),
    };
  }

  /** The store in `file`, opened as openDatabase says (created, migrated; StoreError when it cannot be). */
  static open(file: string, opts: OpenOptions = {}): Store {
    return openDatabase(file, opts, (db, abs) => new Store(db, abs));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Makes everything written so far survive a power cut (a WAL checkpoint, which fsyncs). */
  sync(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** A real write (who opened the store last): proves at the start of a run that the store takes writes. */
  probeWrite(at: number, by: string): void {
    this.db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('last_opened', ?)`).run(JSON.stringify({ at, by }));
  }

  beginRun(run: Omit<RunRow, 'ended_at' | 'end_reason'>): void {
    this.db
      .prepare(`INSERT INTO runs (id, started_at, folder, config, host, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(run.id, run.started_at, run.folder, run.config, run.host, run.pid, run.heartbeat_at);
  }

  heartbeat(runId: string, at: number): void {
    this.stmts.heartbeat.run(at, runId);
  }

  endRun(runId: string, at: number, reason: string): void {
    this.db.prepare(`UPDATE runs SET ended_at = ?, end_reason = ?, heartbeat_at = ? WHERE id = ?`).run(at, reason, at, runId);
  }

  /** Runs not ended that have a task run of one of `tasks` still open: perhaps still counting them. */
  openRunsWith(tasks: string[]): (RunRow & { task: string })[] {
    if (tasks.length === 0) return [];
    return this.db
      .prepare(
        `SELECT DISTINCT r.*, t.task FROM runs r JOIN task_runs t ON t.run_id = r.id
         WHERE r.ended_at IS NULL AND t.ended_at IS NULL AND t.task IN (${tasks.map(() => '?').join(',')})`,
      )
      .all(...tasks) as (RunRow & { task: string })[];
  }

  /** Runs whose process died: ended at their last heartbeat; their open task runs too, with no end reason (crashed). */
  markCrashed(runIds: string[]): void {
    const mark = this.db.transaction((ids: string[]) => {
      for (const id of ids) {
        this.db.prepare(`UPDATE task_runs SET ended_at = (SELECT heartbeat_at FROM runs WHERE id = ?) WHERE run_id = ? AND ended_at IS NULL`).run(id, id);
        this.db.prepare(`UPDATE runs SET ended_at = heartbeat_at, end_reason = 'crashed' WHERE id = ? AND ended_at IS NULL`).run(id);
      }
    });
    mark(runIds);
  }

  latestTaskRun(task: string): TaskRunRow | null {
    return (this.db.prepare(`SELECT * FROM task_runs WHERE task = ? ORDER BY id DESC LIMIT 1`).get(task) as TaskRunRow | undefined) ?? null;
  }

  startTaskRun(t: NewTaskRun): TaskRunRow {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO task_runs (run_id, chain_id, task, kind, source, fingerprint, lines, file_size, file_mtime, start_frame,
             started_at, occupancy_reset, occupancy_floor, zone)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          t.runId,
          t.chainId ?? 0,
          t.task,
          t.kind,
          t.source,
          t.fingerprint,
          JSON.stringify(t.lines),
          t.file?.size ?? null,
          t.file ? Math.round(t.file.mtimeMs) : null,
          t.startFrame,
          t.startedAt,
          t.occupancy.reset,
          t.occupancy.floor,
          t.occupancy.zone,
        );
      const id = Number(info.lastInsertRowid);
      if (t.chainId === null) this.db.prepare(`UPDATE task_runs SET chain_id = id WHERE id = ?`).run(id);
      return this.db.prepare(`SELECT * FROM task_runs WHERE id = ?`).get(id) as TaskRunRow;
    })();
  }

  /** The task run counts on other lines from now on (changed while it runs): its lines and fingerprint follow. */
  setTaskRunLines(id: number, lines: NewTaskRun['lines'], fingerprint: string): void {
    this.db.prepare(`UPDATE task_runs SET lines = ?, fingerprint = ? WHERE id = ?`).run(JSON.stringify(lines), fingerprint, id);
  }

  endTaskRun(id: number, at: number, reason: TaskRunEnd): void {
    this.db.prepare(`UPDATE task_runs SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`).run(at, reason, id);
  }

  /** Stores a crossing; `duplicate` when its task run, or its fleet run, already has one with this seq. */
  insertCrossing(c: CrossingRow): CrossingInsert {
    const row = this.stmts.insertCrossing.get({ ...c, attributes: c.attributes ? JSON.stringify(c.attributes) : null }) as { void: number } | undefined;
    if (!row) return 'duplicate';
    return row.void ? 'void' : 'stored';
  }

  /** A fleet run's counted crossing, whichever task run (controller) stored it; null when there is none. */
  fleetCrossing(fleetRun: string, seq: number): { taskRunId: number; line: string; attributes: Record<string, unknown> | null } | null {
    const row = this.stmts.fleetCrossing.get(fleetRun, seq) as { taskRunId: number; line: string; attributes: string | null } | undefined;
    return row ? { ...row, attributes: row.attributes ? (JSON.parse(row.attributes) as Record<string, unknown>) : null } : null;
  }

  /**
   * The crossings of a chain still pending whose worker is gone without settling them (this process was killed with
   * it): marked INTERRUPTED, as TaskRunJournal.end does for a worker that died under a live parent. Returns how many.
   */
  interruptPending(chainId: number): number {
    return this.db
      .prepare(
        `UPDATE crossings SET attributes = json_set(attributes, '$.reason', ?)
         WHERE task_run_id IN (SELECT id FROM task_runs WHERE chain_id = ?) AND json_extract(attributes, '$.reason') = 'pending'`,
      )
      .run(INTERRUPTED, chainId).changes;
  }

  /** A stored crossing's attributes become `attributes` (a late estimate of a pending one); false when it is not stored. */
  setCrossingAttributes(taskRunId: number, seq: number, attributes: Record<string, unknown>): boolean {
    return this.stmts.setAttributes.run(JSON.stringify(attributes), taskRunId, seq).changes === 1;
  }

  saveCheckpoint(c: Checkpoint, ts: number): void {
    this.stmts.saveCheckpoint.run(c.taskRunId, c.frame, c.seq, c.fps, ts, c.state, c.fleetRun ?? null);
  }

  addCoverage(taskRunId: number, task: string, start: number, end: number): number {
    return Number(this.stmts.addCoverage.run(taskRunId, task, start, end).lastInsertRowid);
  }

  extendCoverage(id: number, end: number): void {
    this.stmts.extendCoverage.run(end, id);
  }

  /** Several writes as one (all or nothing). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The latest checkpoint of a count, or null when none of its task runs got as far as one. */
  lastCheckpoint(chainId: number): Checkpoint | null {
    const row = this.db
      .prepare(
        `SELECT c.task_run_id AS taskRunId, c.frame, c.seq, c.fps, c.state, c.fleet_run AS fleetRun FROM checkpoints c JOIN task_runs t ON t.id = c.task_run_id
         WHERE t.chain_id = ? ORDER BY c.task_run_id DESC LIMIT 1`,
      )
      .get(chainId) as (Omit<Checkpoint, 'fleetRun'> & { fleetRun: string | null }) | undefined;
    if (!row) return null;
    const { fleetRun, ...checkpoint } = row;
    return fleetRun === null ? checkpoint : { ...checkpoint, fleetRun };
  }

  /**
   * A count resumes from `checkpoint` (null: from the start): the crossings stored after it are marked void (they
   * stay in the store, and the resumed worker counts them again). Returns how many were voided.
   */
  voidAfter(chainId: number, checkpoint: Checkpoint | null): number {
    const cpRun = checkpoint?.taskRunId ?? 0;
    const cpSeq = checkpoint?.seq ?? 0;
    const info = this.db
      .prepare(
        `UPDATE crossings SET void = 1 WHERE void = 0 AND task_run_id IN (SELECT id FROM task_runs WHERE chain_id = ?)
           AND (task_run_id > ? OR (task_run_id = ? AND seq > ?))`,
      )
      .run(chainId, cpRun, cpRun, cpSeq);
    return info.changes;
  }

  /** What a count holds so far: in and out per line, and its last crossing. */
  chainTally(chainId: number): ChainTally {
    const lines = this.db
      .prepare(
        `SELECT c.line AS name, SUM(c.direction = 'in') AS "in", SUM(c.direction = 'out') AS out
         FROM crossings c JOIN task_runs t ON t.id = c.task_run_id
         WHERE t.chain_id = ? AND c.void = 0 GROUP BY c.line ORDER BY c.line`,
      )
      .all(chainId) as { name: string; in: number; out: number }[];
    const last = this.db
      .prepare(
        `SELECT c.ts, c.occupancy FROM crossings c JOIN task_runs t ON t.id = c.task_run_id
         WHERE t.chain_id = ? AND c.void = 0 ORDER BY c.ts DESC, c.id DESC LIMIT 1`,
      )
      .get(chainId) as { ts: number; occupancy: number | null } | undefined;
    const splits = this.db
      .prepare(
        `SELECT c.line, json_extract(c.attributes, '$.gender') AS gender, json_extract(c.attributes, '$.age_band') AS age_band, COUNT(*) AS n
         FROM crossings c JOIN task_runs t ON t.id = c.task_run_id
         WHERE t.chain_id = ? AND c.void = 0 GROUP BY 1, 2, 3`,
      )
      .all(chainId) as NonNullable<ChainTally['splits']>;
    return { lines, splits, last: last ? { ts: last.ts, occupancy: last.occupancy ?? 0 } : null };
  }
}
