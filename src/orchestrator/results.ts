import type { CrossingEvent, LineCount, LogLevel, WorkerEvent } from '../protocol/events.js';
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
 * Counts stay continuous across restarts of a camera's worker: each new child counts from zero, so the totals of
 * the previous children are carried as a base.
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
  in = 0;
  out = 0;
  occupancy = 0;
  lines: LineCount[];
  readonly series: Bounded<Sample>;
  readonly crossings: Bounded<CrossingEvent>;
  readonly logs: Bounded<string>;
  /** Crossings written with `reason: "pending"`, by seq, until their `demographics` event. */
  private readonly pending = new Map<number, CrossingEvent>();
  private base = { in: 0, out: 0, occupancy: 0, frames: 0, dropped: 0, lines: new Map<string, LineCount>() };

  constructor(
    private readonly lineNames: string[],
    limits: ResultLimits = DEFAULT_LIMITS,
  ) {
    this.lines = lineNames.map((name) => ({ name, in: 0, out: 0 }));
    this.series = new Bounded(limits.samples);
    this.crossings = new Bounded(limits.crossings);
    this.logs = new Bounded(limits.logLines);
  }

  /** Forgets everything: the task runs again from the start. */
  reset(): void {
    this.frames = this.fps = this.dropped = this.in = this.out = this.occupancy = 0;
    this.avgFps = this.position = this.duration = this.sourceFps = this.startedAt = this.endedAt = null;
    this.lines = this.lineNames.map((name) => ({ name, in: 0, out: 0 }));
    this.base = { in: 0, out: 0, occupancy: 0, frames: 0, dropped: 0, lines: new Map() };
    this.series.clear();
    this.crossings.clear();
    this.pending.clear();
    this.logs.clear();
  }

  /** A new child takes over after a crash: keep what the earlier ones counted. */
  carryOver(): void {
    this.base = {
      in: this.in,
      out: this.out,
      occupancy: this.occupancy,
      frames: this.frames,
      dropped: this.dropped,
      lines: new Map(this.lines.map((l) => [l.name, { ...l }])),
    };
    this.fps = 0;
    // seq starts again at 1 in the new child.
    this.pending.clear();
  }

  private setCounts(ev: { in: number; out: number; lines: LineCount[] }, occupancy: number): void {
    this.in = this.base.in + ev.in;
    this.out = this.base.out + ev.out;
    this.occupancy = this.base.occupancy + occupancy;
    const byName = new Map(ev.lines.map((l) => [l.name, l]));
    const names = [...new Set([...this.lineNames, ...byName.keys()])];
    this.lines = names.map((name) => {
      const now: LineCount = byName.get(name) ?? { name, in: 0, out: 0 };
      const before: LineCount = this.base.lines.get(name) ?? { name, in: 0, out: 0 };
      const line: LineCount = { name, in: before.in + now.in, out: before.out + now.out };
      if (now.gender || before.gender) line.gender = addCounts(before.gender, now.gender);
      if (now.age_band || before.age_band) line.age_band = addCounts(before.age_band, now.age_band);
      return line;
    });
  }

  /** Folds one event of the current child into the counters, series and crossings. */
  apply(ev: WorkerEvent): void {
    switch (ev.type) {
      case 'hello':
        this.sourceFps = ev.fps;
        this.duration = ev.duration;
        break;
      case 'progress':
        this.frames = this.base.frames + ev.frame;
        this.fps = ev.fps;
        this.dropped = this.base.dropped + ev.dropped;
        this.position = ev.position;
        this.duration = ev.duration ?? this.duration;
        this.setCounts(ev, ev.occupancy);
        break;
      case 'crossing':
        this.crossings.push(ev);
        if (ev.reason === 'pending') this.pending.set(ev.seq, ev);
        break;
      case 'demographics': {
        // The exported crossing gets the estimate that came after it.
        const crossing = this.pending.get(ev.seq);
        this.pending.delete(ev.seq);
        if (!crossing) break;
        const { gender, gender_score, age, age_band, face_px, reason } = ev;
        Object.assign(crossing, { gender, gender_score, age, age_band, face_px });
        if (reason) crossing.reason = reason;
        else delete crossing.reason;
        break;
      }
      case 'done':
        this.frames = this.base.frames + ev.frames;
        this.avgFps = ev.avg_fps;
        this.dropped = this.base.dropped + ev.dropped;
        this.setCounts(ev, ev.in - ev.out);
        // Only a file read to its end is at 100 %; a stopped or cancelled one stays where it was.
        if (ev.reason === 'end' && this.duration !== null) this.position = this.duration;
        break;
      default:
        break;
    }
  }

  /** Adds a line to the bounded log of the task (the log pane). */
  log(ts: number, entry: LogEntry): void {
    this.logs.push(`${clock(ts)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
  }

  sample(ts: number, status: TaskStateKind): void {
    this.series.push({ ts, fps: status === 'processing' ? this.fps : 0, in: this.in, out: this.out, occupancy: this.occupancy, status });
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

function addCounts<T extends Record<string, number>>(a: T | undefined, b: T | undefined): T {
  const out = { ...(a ?? b) } as Record<string, number>;
  for (const k of Object.keys(out)) out[k] = (a?.[k] ?? 0) + (b?.[k] ?? 0);
  return out as T;
}
