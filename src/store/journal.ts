import type { DemographicsEvent } from '../protocol/events.js';
import { settleCrossing } from '../protocol/line-splits.js';
import { toStoreError, type StoreError } from './errors.js';
import { INTERRUPTED, type CrossingInput, type NewTaskRun, type TaskRunEnd, type TaskRunRow } from './rows.js';
import type { Store } from './store.js';
import type { Tally } from './tally.js';

/**
 * Guards the writes of one session: the first write that fails (full disk, read-only, locked, I/O) is reported once
 * and no write is attempted after it, so the store keeps a clean prefix of the session instead of one with holes.
 * Counting goes on in memory.
 */
export class StoreGate {
  failure: StoreError | null = null;

  constructor(
    readonly store: Store,
    private readonly onFailure: (err: StoreError) => void,
  ) {}

  /** A write outside `write` failed: the store has failed, reported once. Returns the failure. */
  fail(err: unknown): StoreError {
    if (!this.failure) {
      this.failure = toStoreError(this.store.file, err);
      this.onFailure(this.failure);
    }
    return this.failure;
  }

  /** Runs `fn` against the store; undefined when the store has failed (now or before). */
  write<T>(fn: (store: Store) => T): T | undefined {
    if (this.failure) return undefined;
    try {
      return fn(this.store);
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }
}

export type CrossingOutcome =
  /** Counted; `stored` is false only when the store has failed. `gap` = crossings missing before this one. */
  | { kind: 'counted'; stored: boolean; occupancy: number; gap: number }
  /** Already received (a repeated delivery): neither stored nor counted again. */
  | { kind: 'duplicate' }
  /** Stored, but not counted: a later fleet run counts its frame again (a file resumed from a checkpoint). */
  | { kind: 'void' };

/**
 * The journal of one task run (one worker process): its crossings with their `seq`, the checkpoints of a file (the
 * last frame all of whose crossings are stored, about once a second) and the intervals during which frames were
 * really processed (coverage). Every crossing moves the count's tally in the same step that stores it.
 */
export class TaskRunJournal {
  readonly fleetRun: string | null;
  private lastSeq: number;
  private fps: number | null = null;
  private lastProgressTs: number | null = null;
  private lastFrame = 0;
  private coverage: { id: number | null; end: number } | null = null;
  private readToEnd = false;
  /**
   * The worker's last counting state (a `state` event), kept with the checkpoint of its frame, and the `seq` of the
   * last crossing its worker wrote before it (absent from an older worker).
   */
  private state: { frame: number; json: string; seq?: number } | null = null;
  /**
   * A local file's worker that writes counting states (its `hello` says so): this task run's checkpoints move only with
   * a state from its first report on, as the fleet's task hash does (scripts.ts). The worker writes none after a frame
   * whose count changed the crop plan; had a report there moved the checkpoint without one (a fresh count's first, or
   * a resumed one's), a crash before the next would resume with a warm-up, not as the uninterrupted run.
   */
  private statesExpected = false;
  /** Crossings stored as pending (demographics on), by seq, until their estimate comes. */
  private readonly pending = new Map<number, StoredPending & { track: number; frame: number }>();

  constructor(
    private readonly gate: StoreGate | null,
    readonly row: TaskRunRow,
    readonly tally: Tally,
    /**
     * The fleet run whose events this task run records, and where it stands: a run may span several controllers, and
     * continues after the last crossing and with the frame rate an earlier one stored. Null for a local worker.
     */
    fleet: { run: string; lastSeq: number; fps: number | null } | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.fleetRun = fleet?.run ?? null;
    this.lastSeq = fleet?.lastSeq ?? 0;
    this.fps = fleet?.fps ?? null;
  }

  hello(fps: number | null, ts: number, states = false): void {
    this.fps = fps;
    this.lastProgressTs = ts;
    this.statesExpected = states && this.row.kind === 'video' && this.fleetRun === null;
  }

  crossing(c: CrossingInput): CrossingOutcome {
    // A worker's seq only grows, so a local run's lower seq is a repeat. A fleet run's entries are stored once each by
    // (run, n) but may arrive out of order (an agent resends from its journal an entry whose XADD failed after later
    // ones of the batch went in): there only the store's unique (fleet run, seq) tells a repeat.
    if (c.seq <= this.lastSeq && this.fleetRun === null) return { kind: 'duplicate' };
    const gap = Math.max(0, c.seq - this.lastSeq - 1);
    const occupancy = this.tally.peek(c.direction, c.ts);
    const row = { ...c, taskRunId: this.row.id, task: this.row.task, occupancy, fleetRun: this.fleetRun, storedAt: this.now() };
    const inserted = this.gate?.write((s) => s.insertCrossing(row));
    this.lastSeq = Math.max(this.lastSeq, c.seq);
    if (inserted === 'duplicate' || inserted === 'void') return { kind: inserted };
    this.tally.add(c.line, c.direction, c.ts, c.attributes ?? {});
    if (c.attributes?.reason === 'pending') this.pending.set(c.seq, { taskRunId: this.row.id, line: c.line, track: c.track, frame: c.frame, attributes: { ...c.attributes } });
    return { kind: 'counted', stored: inserted === 'stored', occupancy, gap };
  }

  /** The late estimate of a pending crossing: stored with it, and counted in its line's split. */
  demographics(ev: DemographicsEvent): void {
    const crossing = this.pending.get(ev.seq) ?? this.storedPending(ev.seq);
    if (!crossing) return;
    this.pending.delete(ev.seq);
    const attributes = settleCrossing(crossing.attributes, ev);
    this.gate?.write((s) => s.setCrossingAttributes(crossing.taskRunId, ev.seq, attributes));
    this.tally.settle(crossing.line, ev);
  }

  /**
   * A fleet run's crossing that is still pending in the store, stored by an earlier controller of the run (a new
   * controller's journal of the run starts without the list of pending ones).
   */
  private storedPending(seq: number): StoredPending | undefined {
    if (this.fleetRun === null) return undefined;
    const fleetRun = this.fleetRun;
    const stored = this.gate?.write((s) => s.fleetCrossing(fleetRun, seq));
    return stored?.attributes?.reason === 'pending' ? { taskRunId: stored.taskRunId, line: stored.line, attributes: stored.attributes } : undefined;
  }

  /** The worker's counting state after `frame`: the progress report of that frame that follows stores it. */
  countingState(frame: number, json: string, seq?: number): void {
    this.state = seq === undefined ? { frame, json } : { frame, json, seq };
  }

  /**
   * The next progress report stands for the reports since `ts`, which were not kept (a fleet agent keeps only the newest
   * while no controller follows): frames kept coming from then on. Later than the last report this journal has, it
   * starts a new interval there (frames had stopped between); earlier, the coverage already goes on from it.
   */
  coveredSince(ts: number): void {
    if (this.lastProgressTs !== null && ts <= this.lastProgressTs) return;
    this.lastProgressTs = ts;
    this.coverage = null;
  }

  /** A progress report: frames processed since the last one extend the coverage; a file's checkpoint moves. */
  progress(frame: number, ts: number): void {
    const since = this.lastProgressTs ?? ts;
    const advanced = frame > this.lastFrame;
    this.lastProgressTs = ts;
    if (advanced) this.lastFrame = frame;
    // Once the worker has sent a counting state, or said it sends them, the checkpoint only moves with one: a resume
    // from a state counts as the uninterrupted run would. A local worker sends one with nearly every report; a fleet's
    // agent one every ten seconds.
    const withState = this.state ? this.state.frame === frame : !this.statesExpected;
    const checkpoint = this.row.kind === 'video' && advanced && frame >= (this.row.start_frame ?? 1) && withState;
    if (!advanced) {
      this.coverage = null;
      return;
    }
    this.gate?.write((s) =>
      s.transaction(() => {
        if (this.coverage && this.coverage.end === since && this.coverage.id !== null) s.extendCoverage(this.coverage.id, ts);
        else this.coverage = { id: s.addCoverage(this.row.id, this.row.task, since, ts), end: ts };
        this.coverage.end = ts;
        // The checkpoint's seq is where its state was taken in the counting order (a returning fleet controller resumes
        // with it as the mark), so the state's own when it says it: a fleet run's crossings may arrive out of order (a
        // resend), and the highest stored can be one written after the state, or miss one written before it.
        const seq = this.state?.seq ?? this.lastSeq;
        if (checkpoint) s.saveCheckpoint({ taskRunId: this.row.id, frame, seq, fps: this.fps, state: this.state?.json ?? null, ...(this.fleetRun ? { fleetRun: this.fleetRun } : {}) }, ts);
      }),
    );
  }

  /**
   * The worker counts on other lines from now on (the user changed them while it ran): the task run records them, so
   * that a run that resumes it with the same lines continues its count. Crossings keep the line names they had.
   */
  linesChanged(lines: NewTaskRun['lines'], fingerprint: string): void {
    this.tally.addLines(lines.map((l) => l.name));
    this.gate?.write((s) => s.setTaskRunLines(this.row.id, lines, fingerprint));
  }

  /** The worker read its file to the end: whatever stops it now, the count is complete. */
  finished(): void {
    this.readToEnd = true;
  }

  /** Ends the task run; returns the crossings whose estimate was still pending, now stored as INTERRUPTED. */
  end(reason: TaskRunEnd, at: number): InterruptedCrossing[] {
    this.gate?.write((s) => s.endTaskRun(this.row.id, at, this.readToEnd ? 'end' : reason));
    // A local worker settles every pending crossing before its `done`; one still pending here never will be (the
    // worker crashed or was killed, its face views gone with it: they are never kept). Said, not left pending forever.
    // A fleet run's estimates may still come from its agent, through a later controller.
    if (this.fleetRun !== null) return [];
    const interrupted: InterruptedCrossing[] = [];
    for (const [seq, crossing] of this.pending) {
      this.gate?.write((s) => s.setCrossingAttributes(crossing.taskRunId, seq, { ...crossing.attributes, reason: INTERRUPTED }));
      interrupted.push({ seq, line: crossing.line, track: crossing.track, frame: crossing.frame });
    }
    this.pending.clear();
    return interrupted;
  }
}

/** A crossing stored with `reason: "pending"`, as the journal finds it to settle. */
interface StoredPending {
  taskRunId: number;
  line: string;
  attributes: Record<string, unknown>;
}

/** A crossing of an ended task run whose estimate never came (see INTERRUPTED). */
export interface InterruptedCrossing {
  seq: number;
  line: string;
  track: number;
  frame: number;
}
