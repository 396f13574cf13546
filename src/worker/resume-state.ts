import { readText } from '../common/read-text.js';
import type { CropsData } from '../vision/adaptive-crops.js';
import type { PeopleCounterData } from '../vision/people-counter.js';
import type { HeightModelData, HeightObservation } from '../vision/person-heights.js';
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
 * worker says why and warms up instead, as for a checkpoint written before states existed. Version 2 writes the crop
 * planner's heights as references into the counter's (WrittenState); version 1 (each in full) is still read.
 */
export const RESUME_STATE_VERSION = 2;
const READABLE_VERSIONS = [1, RESUME_STATE_VERSION];

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

/**
 * A state as written (version 2). The counter's and the planner's height models learn from nearly the same people
 * (the counter from boxes away from the frame's edges, the planner from whole boxes: 391 of 400 samples alike on
 * vtest), each in a ring of its own order: the planner's samples that the counter holds too are written as their
 * index in the counter's (about a quarter of a state less, docs/measurements.md).
 */
export type WrittenState = Omit<ResumeState, 'crops'> & { crops: Omit<CropsData, 'model'> & { model: { seen: (number | HeightObservation)[]; next: number } } };

export function captureState(c: Counting, frame: number, skipFrames: number, source: { width: number; height: number }): WrittenState {
  return packState({ version: RESUME_STATE_VERSION, frame, skipFrames, source: { width: source.width, height: source.height }, counter: c.counter.toData(), crops: c.crops.toData() });
}

const sampleKey = (o: HeightObservation) => `${o.y}|${o.height}`;

export function packState(state: ResumeState): WrittenState {
  const at = new Map(state.counter.heights.seen.map((o, i) => [sampleKey(o), i]));
  const model = { seen: state.crops.model.seen.map((o) => at.get(sampleKey(o)) ?? o), next: state.crops.model.next };
  return { ...state, version: RESUME_STATE_VERSION, crops: { ...state.crops, model } };
}

/** The state in memory from one as written (version 1 is already); null when a reference points nowhere. */
export function unpackState(written: WrittenState | ResumeState): ResumeState | null {
  if (written.version === 1) return written as ResumeState;
  const counter = written.counter.heights.seen;
  const seen = written.crops.model.seen.map((s) => (typeof s === 'number' ? counter[s] : s));
  if (seen.some((o) => o === undefined)) return null;
  const model: HeightModelData = { seen: seen.map((o) => ({ ...o })), next: written.crops.model.next };
  return { ...written, crops: { ...written.crops, model } };
}

/** The --start-state file for a start at `startFrame`, or why it cannot be used. */
export function readResumeState(file: string, startFrame: number | undefined, skipFrames: number): { state: ResumeState } | { unusable: string } {
  let written: WrittenState | ResumeState;
  try {
    written = JSON.parse(readText(file)) as WrittenState | ResumeState;
  } catch (err) {
    return { unusable: `it cannot be read (${(err as Error).message})` };
  }
  if (!READABLE_VERSIONS.includes(written?.version)) return { unusable: `it is of version ${String(written?.version)}; this worker reads versions ${READABLE_VERSIONS.join(' and ')}` };
  const state = unpackState(written);
  if (!state) return { unusable: 'its crop planner\'s heights refer to samples it does not hold' };
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
