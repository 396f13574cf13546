import { redactSource } from '../sources/credentials.js';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { TaskSpec } from '../config/types.js';
import { PROTOCOL_VERSION, type CrossingEvent, type DemographicsEvent, type WorkerEvent } from '../protocol/events.js';
import type { StoreError } from '../store/errors.js';
import { FleetMarks, type ResumeMark, type VoidedCrossing } from '../store/fleet-marks.js';
import { StoreGate, TaskRunJournal } from '../store/journal.js';
import type { OccupancyRules } from '../store/occupancy.js';
import { describeResume, describeTakeIn, prepareCount, takesIn, type TaskIdentity } from '../store/resume.js';
import { INTERRUPTED, type TaskRunEnd } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { Tally } from '../store/tally.js';
import { systemZone } from '../store/zone.js';
import type { RunInfo } from './run-folder.js';
import type { FinishedRun } from './runner.js';

/** A task's count: its tally and where it stands in the store. */
export interface CountState {
  tally: Tally;
  /** The count in the store this task's next task run continues; null until its first task run starts it. */
  chainId: number | null;
  /** The frame the next worker counts from (a resumed file), else null. */
  startFrame: number | null;
  /** The counting state (JSON) the next worker continues from at `startFrame`, when its checkpoint has one. */
  startState?: string | null;
  /** A fleet's file: where in the counting order that state was taken (its checkpoint's fleet run and seq), else null. */
  startMark?: ResumeMark | null;
  /** What the task took over from the store, for the operator. */
  note: string | null;
  /** A fleet file finished while no controller followed it: its run is taken in, not run again (see RunnerLaunch). */
  takeIn: (FinishedRun & { complete: boolean }) | null;
  /** A fleet task's new count (its lines or source changed): the runs of the count before it (see EarlierCount). */
  earlier?: EarlierCount | null;
}

/**
 * A fleet controller starts a new count for a task whose lines or source changed while its earlier runs may still be
 * reporting (left running, finished while no controller followed them): what those runs report belongs to the
 * earlier count (its chain in the store, its lines), never to the new one, which neither counts nor voids it.
 */
export interface EarlierCount {
  chainId: number;
  lines: { name: string; points: [number, number, number, number] }[];
  /** The task's fleet runs the store had seen when the new count was planned. */
  runs: Set<string>;
  /** The earlier count's tally and chain, made when one of its runs first reports. */
  count: CountState | null;
}

/** The event fields the store keeps in columns; anything else a worker adds to a crossing goes into `attributes`. */
const CROSSING_COLUMNS = new Set(['v', 'type', 'task', 'ts', 'seq', 'line', 'track', 'direction', 'frame', 'pts']);

/** Without credentials: the stored form of a source. */
export function occupancyRules(spec: TaskSpec): OccupancyRules {
  return { reset: spec.occupancyReset ?? null, floor: spec.occupancyFloor ?? null, zone: systemZone() };
}

/** Identifies a source (its stored form, without credentials) and lines: a count goes on only while both stay. */
function fingerprint(storedSource: string, lines: readonly { name: string; points: readonly number[] }[]): string {
  return createHash('sha256')
    .update(JSON.stringify({ source: storedSource, lines: lines.map((l) => [l.name, ...l.points]) }))
    .digest('hex')
    .slice(0, 16);
}

function identity(spec: TaskSpec, remote: boolean): TaskIdentity {
  let file: TaskIdentity['file'] = null;
  if (spec.kind === 'video') {
    try {
      const st = statSync(spec.source);
      file = { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      // Not a plain file (an image sequence pattern): it is always counted from the start; unless the file is read
      // by a fleet's agents, on their hosts.
      if (remote) file = 'elsewhere';
    }
  }
  return { task: spec.id, kind: spec.kind, fingerprint: fingerprint(redactSource(spec.source), spec.lines), file };
}

/**
 * Between the workers and everything that shows their events: every event passes through `receive`, which stores a
 * crossing (synchronously, before anything else sees it), drops a repeated one, and stamps progress and done with the
 * count's totals, so that the dashboard, the NDJSON output and the exports all show what the store holds. Without a
 * store (tests, no results folder) the same counting happens in memory.
 */
export class Recorder {
  readonly gate: StoreGate | null;
  private marks: FleetMarks | null = null;

  constructor(
    readonly store: Store | null,
    private readonly now: () => number,
    onFailure: (err: StoreError) => void,
    /**
     * A fleet controller's tasks may still be counting on agents when it starts: a resumed file's crossings after its
     * checkpoint are voided when the run that counts them again is claimed (claimRun), not when the count is prepared.
     */
    private readonly fleet = false,
  ) {
    this.gate = store ? new StoreGate(store, onFailure) : null;
  }

  /**
   * The count a task starts the run with: continued from the store when the last one was cut short, else new.
   * `finished`: the fleet read the task's file to its end while no controller followed it (a controller's return).
   */
  prepare(spec: TaskSpec, finished: FinishedRun | null = null): CountState {
    const lineNames = spec.lines.map((l) => l.name);
    const rules = occupancyRules(spec);
    const demographics = spec.options.demographics?.enabled === true;
    if (!this.gate) return this.fresh(spec);
    const id = identity(spec, this.fleet);
    const prepared = this.gate.write((s) => prepareCount(s, id, !this.fleet));
    if (!prepared) return this.fresh(spec);
    if (prepared.plan.kind === 'fresh') {
      const earlier = this.fleet ? (this.gate.write((s) => this.earlierOf(s, spec.id)) ?? null) : null;
      const note = describeResume(prepared, id);
      // Said only for a count that starts anew because the task changed (a finished one's runs are all in).
      const also = note && earlier ? '; what its earlier fleet runs still report is stored with the earlier count, neither counted nor voided in this one' : '';
      return { ...this.fresh(spec), note: note && `${note}${also}`, earlier };
    }
    const { plan } = prepared;
    const through = finished ? this.gate.write((s) => this.marksOf(s).knownThrough(finished.run, spec.id)) ?? null : null;
    const takeIn = finished && takesIn(plan, spec.kind, finished.acked, through) ? { ...finished, complete: through! >= finished.lastN } : null;
    return {
      tally: new Tally(lineNames, rules, prepared.kept, demographics),
      chainId: plan.chainId,
      startFrame: !takeIn && plan.startFrame !== null && plan.startFrame > 1 ? plan.startFrame : null,
      startState: takeIn ? null : (plan.checkpoint?.state ?? null),
      startMark: !takeIn && plan.checkpoint?.state && plan.checkpoint.fleetRun ? { run: plan.checkpoint.fleetRun, seq: plan.checkpoint.seq } : null,
      note: takeIn ? describeTakeIn(prepared, takeIn.run, takeIn.agent) : describeResume(prepared, id),
      takeIn,
    };
  }

  /** The count a new fleet count of the task replaces, and the runs that belong to it. */
  private earlierOf(s: Store, task: string): EarlierCount | null {
    const last = s.latestTaskRun(task);
    const runs = new Set(this.marksOf(s).runsOf(task));
    if (!last || runs.size === 0) return null;
    return { chainId: last.chain_id, lines: JSON.parse(last.lines) as EarlierCount['lines'], runs, count: null };
  }

  /** The earlier count's own tally and chain (see EarlierCount), made once. */
  earlierCount(spec: TaskSpec, earlier: EarlierCount): CountState {
    if (earlier.count) return earlier.count;
    const kept = this.gate?.write((s) => s.chainTally(earlier.chainId)) ?? null;
    const tally = new Tally(earlier.lines.map((l) => l.name), occupancyRules(spec), kept, spec.options.demographics?.enabled === true);
    earlier.count = { tally, chainId: earlier.chainId, startFrame: null, note: null, takeIn: null };
    return earlier.count;
  }

  /** A new count from zero (the task is run again with `s` or `r`). */
  fresh(spec: TaskSpec): CountState {
    const demographics = spec.options.demographics?.enabled === true;
    return { tally: new Tally(spec.lines.map((l) => l.name), occupancyRules(spec), null, demographics), chainId: null, startFrame: null, note: null, takeIn: null };
  }

  /** A worker process starts for the task (or a fleet run goes on under this controller): its task run, in the count. */
  beginTaskRun(spec: TaskSpec, count: CountState, run: RunInfo | null, worker: { fleetRun: string; startFrame: number | null } | null = null): TaskRunJournal | null {
    if (!this.gate || !run) return null;
    const id = identity(spec, this.fleet);
    const row = this.gate.write((s) =>
      s.startTaskRun({
        runId: run.id,
        chainId: count.chainId,
        task: spec.id,
        kind: spec.kind,
        source: redactSource(spec.source),
        fingerprint: id.fingerprint,
        lines: spec.lines.map((l) => ({ name: l.name, points: [...l.points] })),
        file: id.file === 'elsewhere' ? null : id.file,
        startFrame: worker ? worker.startFrame : count.startFrame,
        startedAt: this.now(),
        occupancy: count.tally.occupancy.rules,
      }),
    );
    if (!row) return null;
    count.chainId = row.chain_id;
    const fleet = worker && { run: worker.fleetRun, ...(this.gate.write((s) => this.marksOf(s).resumeOf(worker.fleetRun)) ?? { lastSeq: 0, fps: null }) };
    return new TaskRunJournal(this.gate, row, count.tally, fleet, this.now);
  }

  /**
   * A fleet run of the task was claimed, from `startFrame` for a file, going on from a counting state taken at `mark`
   * (or null): the crossings of the count that it counts again (FleetMarks.claim) are voided in the store and taken
   * out of the tally. Returns them.
   */
  claimRun(spec: TaskSpec, count: CountState, fleetRun: string, startFrame: number | null, mark: ResumeMark | null): VoidedCrossing[] {
    // The first run of a new count counts a file on its own: nothing of any earlier count is its to count again.
    const from = spec.kind === 'video' && count.chainId !== null ? (startFrame ?? 1) : null;
    const voided = this.gate?.write((s) => this.marksOf(s).claim(fleetRun, spec.id, from, count.chainId, mark)) ?? [];
    for (const c of voided ?? []) count.tally.retract(c.line, c.direction, this.now(), c);
    return voided ?? [];
  }

  private marksOf(store: Store): FleetMarks {
    this.marks ??= new FleetMarks(store);
    return this.marks;
  }

  /** The events to show for one received event, in order (none for a repeated crossing). */
  receive(journal: TaskRunJournal | null, count: CountState, ev: WorkerEvent): WorkerEvent[] {
    const { tally } = count;
    switch (ev.type) {
      case 'hello':
        journal?.hello(ev.fps, ev.ts, ev.states === true);
        return [ev];
      case 'crossing': {
        if (!journal) {
          tally.add(ev.line, ev.direction, ev.ts, ev);
          return [ev];
        }
        const outcome = journal.crossing({ ...ev, attributes: attributesOf(ev) });
        // A void crossing is kept in the store but not counted: a later fleet run counts its frame again.
        if (outcome.kind === 'duplicate' || outcome.kind === 'void') return [];
        if (outcome.gap === 0) return [ev];
        const message = `${outcome.gap} crossing event${outcome.gap === 1 ? '' : 's'} missing before seq ${ev.seq}`;
        return [{ v: PROTOCOL_VERSION, type: 'log', task: ev.task, ts: ev.ts, level: 'warn', message }, ev];
      }
      case 'demographics':
        if (journal) journal.demographics(ev);
        else tally.settle(ev.line, ev);
        return [ev];
      case 'progress':
        journal?.progress(ev.frame, ev.ts);
        return [{ ...ev, in: tally.in, out: tally.out, occupancy: tally.occupancyAt(ev.ts), lines: tally.perLine() }];
      case 'done':
        return [{ ...ev, in: tally.in, out: tally.out, lines: tally.perLine() }];
      case 'lines': {
        const lines = ev.lines.map((l) => ({ name: l.name, points: [...l.points] }));
        if (journal) journal.linesChanged(lines, fingerprint(journal.row.source, lines));
        else tally.addLines(lines.map((l) => l.name));
        return [ev];
      }
      default:
        return [ev];
    }
  }

  /**
   * A worker is gone. Crossings of it still pending (it crashed or was killed before settling them) are stored as
   * interrupted; returned is the `demographics` event that says so for each, so that the run's own NDJSON and exports
   * agree with the store instead of keeping them pending.
   */
  endTaskRun(journal: TaskRunJournal | null, reason: TaskRunEnd): DemographicsEvent[] {
    if (!journal) return [];
    const ts = this.now();
    const none = { gender: null, gender_score: null, age: null, age_band: null, face_px: null };
    return journal.end(reason, ts).map((c) => ({ v: PROTOCOL_VERSION, type: 'demographics', task: journal.row.task, ts, ...c, ...none, reason: INTERRUPTED }));
  }

  beginRun(run: RunInfo, config: string | null): void {
    const at = this.now();
    this.gate?.write((s) => s.beginRun({ id: run.id, started_at: run.startedAt, folder: run.folder, config, host: hostname(), pid: process.pid, heartbeat_at: at }));
  }

  endRun(run: RunInfo, reason: string): void {
    this.gate?.write((s) => s.endRun(run.id, this.now(), reason));
  }

  /** About once a second: the run is alive, and what was written survives a power cut. */
  tick(run: RunInfo | null): void {
    this.gate?.write((s) => {
      if (run) s.heartbeat(run.id, this.now());
      s.sync();
    });
  }
}

function attributesOf(ev: CrossingEvent): Record<string, unknown> | null {
  const extra = Object.entries(ev).filter(([k]) => !CROSSING_COLUMNS.has(k));
  return extra.length > 0 ? Object.fromEntries(extra) : null;
}
