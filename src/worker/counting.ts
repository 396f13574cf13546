import type { LineCount } from '../protocol/events.js';
import type { AdaptiveCrops } from '../vision/adaptive-crops.js';
import type { Tile } from '../vision/crop-plan.js';
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
   * The detection frame last sent to the detector ahead of its turn, with the tiles of the plan in force then: counting
   * the frame before it can change the plan after it went, so a state taken between the two would give a resumed run
   * the new plan for a frame the uninterrupted run detected with the old one (countFrames writes none then).
   */
  sentAhead: { frame: number; tiles: readonly Tile[] } | null;
}

/** Whether a counting state after `frame` resumes as the run goes on: no frame after it went with other tiles. */
export function stateHolds(c: Counting, frame: number): boolean {
  return c.sentAhead === null || c.sentAhead.frame <= frame || c.sentAhead.tiles === c.crops.plan.tiles;
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

export function reachedMaxFrames(cfg: WorkerConfig, c: Counting): boolean {
  return cfg.maxFrames !== undefined && c.frames >= cfg.maxFrames;
}
