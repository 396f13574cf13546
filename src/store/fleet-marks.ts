import type { SplitKey } from '../protocol/line-splits.js';
import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';

/**
 * Where in the counting order a fleet run's counting state was taken: after crossing `seq` (the worker's, 0 for none)
 * of fleet run `run`. A run that goes on from that state counts again exactly that run's crossings after it.
 */
export interface ResumeMark {
  run: string;
  seq: number;
}

/** A crossing taken back from a count: a later fleet run counts it again. */
export interface VoidedCrossing {
  seq: number;
  line: string;
  track: number;
  direction: 'in' | 'out';
  frame: number;
  ts: number;
  /** Its demographic fields (null without demographics): the line's split gives it back too. */
  gender: SplitKey['gender'];
  age_band: SplitKey['age_band'];
}

/**
 * The fleet controller's part of the store (tables `fleet_runs` and `fleet_ahead`, schema step 3):
 * - what it stored of each agent run, exactly once by (run, n): `through` = every n up to it is stored (or settled
 *   without an entry), `fleet_ahead` = those stored beyond it, out of order. A run not claimed in this store (its
 *   claim went to another store) counts as claimed before every other. Marked in the same transaction as what the
 *   entry stores, so a crash leaves both or neither.
 * - the order in which runs of a task were claimed, with the frame a file's run counts from and, when it goes on from
 *   a counting state, the state's mark (schema step 5): a run claimed later counts again what the earlier runs counted
 *   after its resume point, so their crossings there are void (the rule is countedAgain's; the insert in Store applies
 *   it to crossings that arrive later).
 */
/**
 * Whether a crossing of an earlier run (its fleet run, seq and frame, and its run's start frame) is counted again by a
 * run claimed later, from frame `later.from`, going on from a counting state taken after crossing `later.markSeq` of
 * run `later.markRun` (both null without a mark), as an SQL condition over the expressions given. One rule for the
 * claim, which voids what is stored, and for the insert of a crossing that arrives after it (Store):
 * - a crossing of the mark's run: when it came after the mark in the counting order. Not by its frame: a crossing is
 *   dated where the path met the line, which can come before the frame that counted it (a held change of side counted
 *   on a later pass, or when its worker stopped), and the state taken in between still holds it, so the next run
 *   counts it again.
 * - any other (and every crossing when the resume point has no mark: one without a counting state, or written by an
 *   older pcount-tui, the rule before marks): when it is dated at or after `later.from`, or its run counted only from there on
 *   (its start frame, from its claim or, when Redis lost the claim, its `hello` (FleetMarks.began); e.g. a run that went
 *   on from the same state and was lost before it sent another).
 */
export function countedAgain(
  crossing: { run: string; seq: string; frame: string; runStart: string },
  later: { from: string; markRun: string; markSeq: string },
): string {
  return `CASE WHEN ${crossing.run} = ${later.markRun} THEN ${crossing.seq} > ${later.markSeq}
    ELSE ${crossing.frame} >= ${later.from} OR COALESCE(${crossing.runStart}, 0) >= ${later.from} END`;
}

const VOID_EARLIER = countedAgain(
  {
    run: 'crossings.fleet_run',
    seq: 'crossings.seq',
    frame: 'crossings.frame',
    runStart: '(SELECT r.start_frame FROM fleet_runs r WHERE r.run = crossings.fleet_run)',
  },
  { from: '@from', markRun: '@markRun', markSeq: '@markSeq' },
);

export class FleetMarks {
  private readonly stmts: Record<string, Statement>;

  constructor(store: Store) {
    const db = store.db;
    this.stmts = {
      ensure: db.prepare(`INSERT OR IGNORE INTO fleet_runs (run, task) VALUES (?, ?)`),
      through: db.prepare(`SELECT through FROM fleet_runs WHERE run = ?`),
      known: db.prepare(`SELECT through FROM fleet_runs WHERE run = ? AND task = ?`),
      runsOf: db.prepare(`SELECT run FROM fleet_runs WHERE task = ?`),
      setThrough: db.prepare(`UPDATE fleet_runs SET through = ? WHERE run = ?`),
      ahead: db.prepare(`SELECT 1 FROM fleet_ahead WHERE run = ? AND n = ?`),
      addAhead: db.prepare(`INSERT OR IGNORE INTO fleet_ahead (run, n) VALUES (?, ?)`),
      nextAhead: db.prepare(`SELECT n FROM fleet_ahead WHERE run = ? AND n > ? ORDER BY n`),
      dropAhead: db.prepare(`DELETE FROM fleet_ahead WHERE run = ? AND n <= ?`),
      claimed: db.prepare(`SELECT claim FROM fleet_runs WHERE run = ?`),
      claim: db.prepare(
        `UPDATE fleet_runs SET claim = (SELECT COALESCE(MAX(claim), 0) + 1 FROM fleet_runs), start_frame = ?, mark_run = ?, mark_seq = ?
         WHERE run = ? AND claim IS NULL`,
      ),
      began: db.prepare(`UPDATE fleet_runs SET start_frame = ? WHERE run = ? AND claim IS NULL AND start_frame IS NULL`),
      voidEarlier: db.prepare(
        `UPDATE crossings SET void = 1
         WHERE void = 0 AND task_run_id IN (SELECT id FROM task_runs WHERE chain_id = @chain)
           AND (fleet_run IS NULL OR fleet_run IN (SELECT run FROM fleet_runs WHERE task = @task AND (claim IS NULL OR claim < @claim)))
           AND ${VOID_EARLIER}
         RETURNING seq, line, track, direction, frame, ts,
           json_extract(attributes, '$.gender') AS gender, json_extract(attributes, '$.age_band') AS age_band`,
      ),
      setFps: db.prepare(`UPDATE fleet_runs SET fps = ? WHERE run = ?`),
      resume: db.prepare(
        `SELECT f.fps, (SELECT MAX(seq) FROM crossings WHERE fleet_run = f.run) AS lastSeq FROM fleet_runs f WHERE f.run = ?`,
      ),
    };
  }

  /** Marks (run, n) stored; false when it was already (a redelivery, or an agent's replay). In a transaction. */
  take(run: string, task: string, n: number): boolean {
    this.stmts.ensure.run(run, task);
    const through = this.throughOf(run);
    if (n <= through || this.stmts.ahead.get(run, n)) return false;
    if (n === through + 1) this.advance(run, n);
    else this.stmts.addAhead.run(run, n);
    return true;
  }

  /** Settles n = first..last of a run without entries (the agent reported them lost, or superseded by another run). */
  skip(run: string, task: string, first: number, last: number): void {
    this.stmts.ensure.run(run, task);
    const through = this.throughOf(run);
    if (last <= through) return;
    if (first <= through + 1) this.advance(run, last);
    else for (let n = first; n <= last; n++) this.stmts.addAhead.run(run, n);
  }

  /** Highest n such that 1..n of the run are all stored or settled (0 when none). */
  throughOf(run: string): number {
    return (this.stmts.through.get(run) as { through: number } | undefined)?.through ?? 0;
  }

  /** How much of a run of the task this store holds (as throughOf), or null when it never saw the run. */
  knownThrough(run: string, task: string): number | null {
    return (this.stmts.known.get(run, task) as { through: number } | undefined)?.through ?? null;
  }

  /** Every run of the task this store has seen. */
  runsOf(task: string): string[] {
    return (this.stmts.runsOf.all(task) as { run: string }[]).map((r) => r.run);
  }

  /**
   * A run of a task was claimed by an agent; for a file, `startFrame` is where it counts from (1 without a resume) and
   * `mark` where in the counting order the state it goes on from was taken (null: none, or unknown). Returns the
   * crossings of the count `chainId` that it makes void (an earlier run's that it counts again, VOID_EARLIER), or
   * null when the claim was recorded before (a redelivered notice changes nothing).
   */
  claim(run: string, task: string, startFrame: number | null, chainId: number | null, mark: ResumeMark | null = null): VoidedCrossing[] | null {
    this.stmts.ensure.run(run, task);
    if ((this.stmts.claimed.get(run) as { claim: number | null }).claim !== null) return null;
    const at = startFrame === null ? null : mark;
    this.stmts.claim.run(startFrame, at?.run ?? null, at?.seq ?? null, run);
    if (startFrame === null || chainId === null) return [];
    const { claim } = this.stmts.claimed.get(run) as { claim: number };
    return this.stmts.voidEarlier.all({ from: startFrame, chain: chainId, task, claim, markRun: at?.run ?? null, markSeq: at?.seq ?? null }) as VoidedCrossing[];
  }

  /**
   * A file's run says (with its `hello`) that it counted from `startFrame`, as its claim did: recorded for a run whose
   * claim this store never saw (Redis lost the notice with its last writes, before any controller read it). Such a run
   * counts as claimed before every other, and now as counting only from that frame on, so that a run claimed since from
   * that frame or before voids all it counted (countedAgain), also a held change of side dated before the frame, which
   * the later run, going on from the same counting state, counts again. A claim this store recorded says it already.
   */
  began(run: string, task: string, startFrame: number): void {
    this.stmts.ensure.run(run, task);
    this.stmts.began.run(startFrame, run);
  }

  setFps(run: string, task: string, fps: number | null): void {
    this.stmts.ensure.run(run, task);
    this.stmts.setFps.run(fps, run);
  }

  /** Where a run that an earlier controller already stored some of stands: its frame rate and last crossing's seq. */
  resumeOf(run: string): { fps: number | null; lastSeq: number } {
    const row = this.stmts.resume.get(run) as { fps: number | null; lastSeq: number | null } | undefined;
    return { fps: row?.fps ?? null, lastSeq: row?.lastSeq ?? 0 };
  }

  /** Moves `through` to `to`, then over whatever was stored ahead of it. */
  private advance(run: string, to: number): void {
    let through = to;
    for (const { n } of this.stmts.nextAhead.iterate(run, through) as Iterable<{ n: number }>) {
      if (n > through + 1) break;
      through = n;
    }
    this.stmts.setThrough.run(through, run);
    this.stmts.dropAhead.run(run, through);
  }
}
