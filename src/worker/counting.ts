import type { LineCount } from '../protocol/events.js';
import type { AdaptiveCrops } from '../vision/adaptive-crops.js';
import type { PeopleCounter } from '../vision/people-counter.js';
import type { WorkerDemographics } from './demographics/worker-side.js';
import type { WorkerConfig } from './run-worker.js';

/** What one task has counted so far, and the counts it reports. */
export interface Counting {
  counter: PeopleCounter;
  crops: AdaptiveCrops;
  frames: number;
  detections: number;
  startedAt: number;
  /** Crossing events written so far (the last `seq`). */
  seq: number;
  /** The counts when counting began (frame --start-frame): what the warm-up before it found is not reported. */
  baseline: LineCount[] | null;
  /** Number of the last frame processed (null before the first): where a file ended. */
  lastFrame: number | null;
  demographics: WorkerDemographics | null;
  /**
   * The frame whose count last changed the crop plan. The next frame went to the detector before that count (it
   * detects one frame ahead), with the old plan; a run resumed from a state taken there would detect it with the new
   * one, so countFrames writes none then (a stop right after that frame included).
   */
  planChangedAt: number | null;
}

/** Whether a counting state after `frame` resumes as the run goes on: its count left the crop plan as it was. */
export function stateHolds(c: Counting, frame: number): boolean {
  return c.planChangedAt !== frame;
}

/** The counts since counting began (zero during a warm-up). */
export function reportedCounts(c: Counting): { lines: LineCount[]; in: number; out: number; occupancy: number } {
  const before = new Map((c.baseline ?? []).map((l) => [l.name, l]));
  const lines = c.counter.counts().map((l) => {
    const b = c.baseline ? (before.get(l.name) ?? { in: 0, out: 0 }) : l;
    return { name: l.name, in: l.in - b.in, out: l.out - b.out };
  });
  const total = (k: 'in' | 'out') => lines.reduce((s, l) => s + l[k], 0);
  const split = c.demographics ? c.demographics.demo.withSplits(lines) : lines;
  return { lines: split, in: total('in'), out: total('out'), occupancy: total('in') - total('out') };
}

/** Whether the worker writes `state` events: a file's, asked to (`--emit-state`); a live source never resumes. */
export function writesStates(cfg: WorkerConfig): boolean {
  return cfg.emitState === true && !cfg.live;
}

export function reachedMaxFrames(cfg: WorkerConfig, c: Counting): boolean {
  return cfg.maxFrames !== undefined && c.frames >= cfg.maxFrames;
}
