import type { WorkerEvent } from '../protocol/events.js';
import type { ResumeMark } from '../store/fleet-marks.js';

/** A worker's counting state after `frame` (its `state` event's payload; see worker/resume-state.ts). */
export interface HeldState {
  frame: number;
  /** The last crossing written before it (the event's `seq`; absent from an older worker). */
  seq?: number;
  state: { version: number };
}

/**
 * A mark as the task hash keeps it (`start_mark`, beside `start_frame` and `start_state`): with the frame it goes
 * with, so that a mark left behind by a script that moved the state without it (an older agent) is never taken for
 * the state's own. '' for none.
 */
export function markToWire(frame: number | '', mark: ResumeMark | null): string {
  return frame === '' || !mark ? '' : `${frame}|${mark.seq}|${mark.run}`;
}

/** The mark of the resume point at `frame`, or null (none, another frame's, malformed). */
export function markFromWire(text: string, frame: number | null): ResumeMark | null {
  const m = /^(\d+)\|(\d+)\|(.+)$/.exec(text);
  return m && frame !== null && Number(m[1]) === frame ? { run: m[3], seq: Number(m[2]) } : null;
}

/** The mark of a state of fleet run `run`, or null when the run or where its worker wrote the state is unknown. */
function markOf(run: string | null, held: HeldState): ResumeMark | null {
  return held.seq === undefined || run === null ? null : { run, seq: held.seq };
}

/**
 * The counting states of one file run on its agent. Its worker writes one with every progress report (once a second):
 * the agent keeps the newest, which goes with the file when the agent hands it back, and sends one every `everyMs` to
 * the controller, whose stored ones say where the file resumes if the agent is lost (scripts.ts, START_FRAMES). Pure.
 */
export class RunStates {
  newest: HeldState | null = null;
  private sentAt: number | null = null;

  constructor(private readonly everyMs: number) {}

  /** Keeps the state of `now` (ms) as the newest; whether it goes to the controller (the first one, then every everyMs). */
  take(held: HeldState, now: number): boolean {
    this.newest = held;
    if (this.sentAt !== null && now - this.sentAt < this.everyMs) return false;
    this.sentAt = now;
    return true;
  }
}

/**
 * Where a file of fleet run `run`, handed back at `lastFrame` (the last frame its worker reported progress of, 0 for
 * none), resumes: after the newest state (with it, as JSON, and its mark as the task hash keeps it), else after its
 * last frame without one; '' when nothing was counted.
 */
export function handBackPoint(run: string, newest: HeldState | null, lastFrame: number): { frame: number | ''; state: string; mark: string } {
  if (newest) return { frame: newest.frame + 1, state: JSON.stringify(newest.state), mark: markToWire(newest.frame + 1, markOf(run, newest)) };
  return { frame: lastFrame > 0 ? lastFrame + 1 : '', state: '', mark: '' };
}

/** Where a file's next run counts from, with the worker's counting state before that frame (JSON) and its mark when known. */
export interface ResumePoint {
  frame: number;
  state: string | null;
  mark: ResumeMark | null;
}

/**
 * The controller's view of a file's current run (fleet-runner.ts, TaskLink), fed its events once they are stored: its
 * frame rate, the last frame its progress reached (a checkpoint) and its newest counting state, until written to the
 * fleet (FleetTransport, START_FRAMES). Every crossing up to a state's frame came before it in the run's order, so
 * once its batch is stored, so are they. `from`: the run's start frame (events before it are not this count's).
 */
export class ResumeTracker {
  private fps: number | null = null;
  private frame = 0;
  private state: HeldState | null = null;
  /** The newest frame written to the fleet. */
  private written = 0;

  /** `run`: the fleet run whose events it sees (null: none yet); `from`: its start frame. */
  constructor(
    private readonly run: string | null,
    private readonly from: number,
  ) {}

  see(ev: WorkerEvent): void {
    if (ev.type === 'hello') this.fps = ev.fps;
    if (ev.type === 'progress' && ev.frame >= this.from) this.frame = Math.max(this.frame, ev.frame);
    if (ev.type === 'state' && ev.frame >= this.from && ev.frame > (this.state?.frame ?? 0)) this.state = { frame: ev.frame, seq: ev.seq, state: ev.state };
  }

  /**
   * Where the file's next run counts from, when it moved since last asked: after the newest counting state, with it,
   * else after the newest checkpoint, without one (the fleet keeps a state over a newer frame without one: FORWARD in
   * scripts.ts). Null before the run said its frame rate (a file's frames cannot be sought without it).
   */
  take(): ResumePoint | null {
    if (!this.fps) return null;
    if (this.state && this.state.frame > this.written) {
      this.written = this.state.frame;
      return { frame: this.state.frame + 1, state: JSON.stringify(this.state.state), mark: markOf(this.run, this.state) };
    }
    if (this.frame <= this.written) return null;
    this.written = this.frame;
    return { frame: this.frame + 1, state: null, mark: null };
  }

  /**
   * Where the file's next run counts from as of now, written to the fleet before or not (a task Redis lost is
   * submitted again with it): after the newest counting state, with it; null before the run sent one (a checkpoint
   * without a state would resume counting differently from an uninterrupted run).
   */
  newest(): ResumePoint | null {
    if (!this.fps || !this.state) return null;
    return { frame: this.state.frame + 1, state: JSON.stringify(this.state.state), mark: markOf(this.run, this.state) };
  }
}
