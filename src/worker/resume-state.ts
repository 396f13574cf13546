import { readFileSync } from 'node:fs';
import type { CropsData } from '../vision/adaptive-crops.js';
import type { PeopleCounterData } from '../vision/people-counter.js';
import type { Counting } from './counting.js';

/**
 * Resuming a file at frame N exactly as if it had never stopped. What the worker's counting does next depends on
 * more than the frames: the tracker (tracks, their filters and histories, the long-lost buffer, its clock), the line
 * counter (sides, held crossings, births, totals), the person heights that place cut-off feet, and the crop planner's
 * history (the heights of the last 400 people seen, the plan in force, the one proposed and the passes since the
 * last change, which decide where the detector looks and so what it finds). A warm-up (warmup.ts) rebuilds the first
 * ones from the seconds before N, but not the planner's history, which goes back to frame 1 (README, bench:resume).
 * So the worker writes all of it with the checkpoints (`--emit-state`), and a resumed worker takes the state of frame
 * N − 1 (`--start-state`) and reads the file from N, without a warm-up. Which frames are detection frames is not
 * state: frames 1, 1 + k, 1 + 2k, … with --skip-frames k, in both runs (setup.ts).
 *
 * The layout is versioned. A state of another version, or of other settings (skip, source size), is not used: the
 * worker says why and warms up instead, as for a checkpoint written before states existed.
 */
export const RESUME_STATE_VERSION = 1;

export interface ResumeState {
  version: number;
  /** The last frame processed: the state is where frame + 1 starts from. */
  frame: number;
  skipFrames: number;
  /** The source's size (the probed one). */
  source: { width: number; height: number };
  counter: PeopleCounterData;
  crops: CropsData;
}

export function captureState(c: Counting, frame: number, skipFrames: number, source: { width: number; height: number }): ResumeState {
  return { version: RESUME_STATE_VERSION, frame, skipFrames, source: { width: source.width, height: source.height }, counter: c.counter.toData(), crops: c.crops.toData() };
}

/** The --start-state file for a start at `startFrame`, or why it cannot be used. */
export function readResumeState(file: string, startFrame: number | undefined, skipFrames: number): { state: ResumeState } | { unusable: string } {
  let state: ResumeState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ResumeState;
  } catch (err) {
    return { unusable: `it cannot be read (${(err as Error).message})` };
  }
  if (state?.version !== RESUME_STATE_VERSION) return { unusable: `it is of version ${String(state?.version)}; this worker reads version ${RESUME_STATE_VERSION}` };
  if (startFrame === undefined || state.frame !== startFrame - 1) return { unusable: `it is the state after frame ${state.frame}, not before --start-frame ${startFrame ?? '(none)'}` };
  if (state.skipFrames !== skipFrames) return { unusable: `it was counted with --skip-frames ${state.skipFrames}, this run uses ${skipFrames}` };
  return { state };
}

/** Continues the counting of `state`; returns what could not be taken over, for the log. */
export function restoreState(c: Counting, state: ResumeState): string | null {
  c.counter.loadData(state.counter);
  const planned = c.crops.loadData(state.crops);
  return planned ? null : 'the crop plan was made for other settings (lines, region, input size): it is planned again from the heights learned';
}
