import type { CrossingEvent, DoneReason, LineCount, LogLevel, WorkerEvent } from '../protocol/events.js';
import { settleCrossing } from '../protocol/line-splits.js';
import type { Tally } from '../store/tally.js';
import { Bounded } from './bounded.js';
import type { TaskStateKind } from './types.js';

/** One point of a task's time series (a row of its CSV export). */
export interface Sample {
  ts: number;
  fps: number;
  in: number;
  out: number;
  occupancy: number;
  status: TaskStateKind;
}

export interface ResultLimits {
  logLines: number;
  samples: number;
  crossings: number;
}

/** At one sample a second, a day of a camera; a day of crossings of a busy door; a screenful of logs several times over. */
export const DEFAULT_LIMITS: ResultLimits = { logLines: 500, samples: 86_400, crossings: 100_000 };

/** Progress reports come about a second apart; closer ones do not add a point to the series. */
const MIN_SAMPLE_INTERVAL_MS = 500;

export interface LogEntry {
  level: LogLevel;
  message: string;
}

/** The log line an event deserves in the task's log pane and log files, if any. */
export function logEntryFor(ev: WorkerEvent): LogEntry | null {
  switch (ev.type) {
    case 'hello':
      return { level: 'info', message: `${ev.source}: ${ev.width}x${ev.height}${ev.fps ? ` at ${ev.fps} fps` : ''}, model ${ev.model.format}` };
    case 'crossing':
      return { level: 'info', message: `${ev.direction} on ${ev.line} (track ${ev.track}, frame ${ev.frame})` };
    case 'log':
      return { level: ev.level, message: ev.message };
    case 'error':
      return { level: 'error', message: `${ev.code}: ${ev.message}${ev.fatal ? ' (fatal)' : ''}` };
    case 'reconnect':
      return { level: 'warn', message: `reconnect #${ev.attempt} in ${(ev.delay_ms / 1000).toFixed(1)} s: ${ev.reason}` };
    case 'done':
      return { level: 'info', message: `done: ${ev.frames} frames in ${ev.wall_seconds.toFixed(1)} s, in ${ev.in}, out ${ev.out}` };
    case 'lines':
      return { level: 'info', message: `lines changed from frame ${ev.frame}: ${ev.lines.map((l) => `${l.name} ${l.points.join(',')}`).join('; ')}` };
    default:
      return null;
  }
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function levelAtLeast(level: LogLevel, threshold: LogLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[threshold];
}

function clock(ts: number): string {
  return new Date(ts).toTimeString().slice(0, 8);
}

/**
 * What the pool knows of one task's output: live counters, a time series, the crossings and the last log lines.
 * The counts are the tally of the task's count (kept by the Recorder, in step with the store); frame counters stay
 * continuous across restarts of a camera's worker: each new child counts from zero, so those of the previous children
 * are carried as a base.
 */
export class TaskResults {
  frames = 0;
  fps = 0;
  avgFps: number | null = null;
  dropped = 0;
  position: number | null = null;
  duration: number | null = null;
  sourceFps: number | null = null;
  startedAt: number | null = null;
  endedAt: number | null = null;
  doneReason: DoneReason | null = null;
  /** Source health from the worker's own clock (event `ts`, epoch ms). */
  lastFrameAt: number | null = null;
  reconnect: { attempt: number; delayMs: number; at: number } | null = null;
  outageSince: number | null = null;
  detectMs: number | null = null;
  private lastFrame = 0;
  readonly series: Bounded<Sample>;
  readonly crossings: Bounded<CrossingEvent>;
  readonly logs: Bounded<string>;
  /** Crossings written with `reason: "pending"`, by seq, until their `demographics` event. */
  private readonly pending = new Map<number, CrossingEvent>();
  private base = { frames: 0, dropped: 0 };
  private lastSample: Sample | null = null;

  constructor(
    public tally: Tally,
    limits: ResultLimits = DEFAULT_LIMITS,
  ) {
    this.series = new Bounded(limits.samples);
    this.crossings = new Bounded(limits.crossings);
    this.logs = new Bounded(limits.logLines);
  }

  get in(): number {
    return this.tally.in;
  }

  get out(): number {
    return this.tally.out;
  }

  get occupancy(): number {
    return this.tally.occupancyNow;
  }

  get lines(): LineCount[] {
    return this.tally.perLine();
  }

  /** Forgets everything: the task runs again from the start, with a new count. */
  reset(tally: Tally): void {
    this.tally = tally;
    this.frames = this.fps = this.dropped = 0;
    this.avgFps = this.position = this.duration = this.sourceFps = this.startedAt = this.endedAt = null;
    this.doneReason = this.lastFrameAt = this.reconnect = this.outageSince = this.detectMs = null;
    this.lastFrame = 0;
    this.base = { frames: 0, dropped: 0 };
    this.series.clear();
    this.lastSample = null;
    this.crossings.clear();
    this.pending.clear();
    this.logs.clear();
  }

  /** A new child takes over after a crash: its frame counters start from zero again. */
  carryOver(): void {
    this.base = { frames: this.frames, dropped: this.dropped };
    this.fps = 0;
    this.lastFrame = 0;
    // seq starts again at 1 in the new child.
    this.pending.clear();
  }

  /** Folds one event of the current child into the counters, series and crossings. */
  apply(ev: WorkerEvent): void {
    switch (ev.type) {
      case 'hello':
        this.sourceFps = ev.fps;
        this.duration = ev.duration;
        this.doneReason = null;
        break;
      case 'progress':
        this.health(ev.frame, ev.ts);
        this.detectMs = ev.detect_ms ?? null;
        this.frames = this.base.frames + ev.frame;
        this.fps = ev.fps;
        this.dropped = this.base.dropped + ev.dropped;
        this.position = ev.position;
        this.duration = ev.duration ?? this.duration;
        break;
      case 'crossing':
        this.crossings.push(ev);
        if (ev.reason === 'pending') this.pending.set(ev.seq, ev);
        break;
      case 'reconnect':
        this.reconnect = { attempt: ev.attempt, delayMs: ev.delay_ms, at: ev.ts };
        this.outageSince ??= this.lastFrameAt ?? ev.ts;
        break;
      case 'demographics': {
        // The exported crossing gets the estimate that came after it.
        const crossing = this.pending.get(ev.seq);
        this.pending.delete(ev.seq);
        if (crossing) settleCrossing(crossing, ev);
        break;
      }
      case 'done':
        // A resumed file's progress counts frames from the start of the file, its done only those it processed.
        this.frames = Math.max(this.frames, this.base.frames + ev.frames);
        this.avgFps = ev.avg_fps;
        this.dropped = this.base.dropped + ev.dropped;
        // Only a file read to its end is at 100 %; a stopped or cancelled one stays where it was.
        if (ev.reason === 'end' && this.duration !== null) this.position = this.duration;
        this.doneReason = ev.reason;
        break;
      default:
        break;
    }
  }

  /** A counted crossing was taken back from the count (see Recorder.claimRun): it leaves the exported list too. */
  retract(c: { seq: number; line: string; track: number; direction: string; frame: number }): void {
    this.crossings.removeWhere((x) => x.seq === c.seq && x.frame === c.frame && x.line === c.line && x.track === c.track && x.direction === c.direction);
    this.pending.delete(c.seq);
  }

  /** A progress report whose frame number moved on means frames flow again: the outage is over. */
  private health(frame: number, ts: number): void {
    if (frame <= this.lastFrame) return;
    this.lastFrame = frame;
    this.lastFrameAt = ts;
    this.reconnect = null;
    this.outageSince = null;
  }

  /** Adds a line to the bounded log of the task (the log pane). */
  log(ts: number, entry: LogEntry): void {
    this.logs.push(`${clock(ts)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
  }

  /**
   * Adds a point to the time series: one per progress report (about a second apart), and one when the state changes.
   * Reports that come faster than MIN_SAMPLE_INTERVAL_MS (a child flooding its output) add no point.
   */
  sample(ts: number, status: TaskStateKind): void {
    const last = this.lastSample;
    if (last && last.status === status && ts - last.ts < MIN_SAMPLE_INTERVAL_MS) return;
    this.lastSample = { ts, fps: status === 'processing' ? this.fps : 0, in: this.in, out: this.out, occupancy: this.occupancy, status };
    this.series.push(this.lastSample);
  }

  /** 0..1 through a file once its duration is known. */
  progress(): number | null {
    if (this.duration === null || this.duration <= 0 || this.position === null) return null;
    return Math.min(1, Math.max(0, this.position / this.duration));
  }

  /** Seconds left: the source seconds left, converted with the processing rate relative to the source frame rate. */
  etaSeconds(): number | null {
    if (this.duration === null || this.position === null || !this.sourceFps || this.fps <= 0) return null;
    return Math.max(0, ((this.duration - this.position) * this.sourceFps) / this.fps);
  }
}
