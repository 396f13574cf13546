import { LineCounter, type CounterOptions, type CrossingRecord, type LineCount } from './line-counter.js';
import type { TrackSnapshot } from './track.js';
import { Tracker, type RemovedTrack } from './tracker.js';
import type { TrackerConfig } from './tracker-config.js';
import type { Detection, LineSpec } from './types.js';

export interface StepResult {
  /** Live tracks (tentative, confirmed, lost) after this frame. */
  tracks: TrackSnapshot[];
  /** Crossings counted on this frame, including held-back ones of tracks confirmed just now. */
  crossings: CrossingRecord[];
  removed: RemovedTrack[];
}

export interface PeopleCounterOptions {
  tracker?: Partial<TrackerConfig>;
  counter?: Partial<CounterOptions>;
}

/**
 * Tracker and line counter wired together for one source. The counter only sees positions that a detection has just
 * corrected: predicted positions between detections (with --skip-frames) can overshoot the line and come back,
 * which would count one person twice.
 */
export class PeopleCounter {
  readonly tracker: Tracker;
  readonly counter: LineCounter;

  constructor(lines: readonly LineSpec[], frame: { width: number; height: number }, options: PeopleCounterOptions = {}) {
    this.tracker = new Tracker(options.tracker, frame);
    this.counter = new LineCounter(lines, frame, options.counter);
  }

  /** A frame the detector ran on; `pts` in seconds. */
  detections(detections: readonly Detection[], frame: number, pts: number): StepResult {
    const out = this.tracker.update(detections, pts);
    const crossings = this.counter.update(
      out.tracks.filter((t) => t.matched),
      frame,
      pts,
    );
    this.counter.forget(out.removed.map((r) => r.id));
    return { tracks: out.tracks, crossings, removed: out.removed };
  }

  /** A frame without detection: tracks move to their predicted positions, nothing is counted. */
  predict(pts: number): StepResult {
    const out = this.tracker.predict(pts);
    this.counter.forget(out.removed.map((r) => r.id));
    return { tracks: out.tracks, crossings: [], removed: out.removed };
  }

  counts(): LineCount[] {
    return this.counter.counts();
  }

  summary(): { in: number; out: number; occupancy: number } {
    return this.counter.summary();
  }

  /** New lines mid-run (see LineCounter.setLines): tracks and counts go on. */
  setLines(lines: readonly LineSpec[], frame: { width: number; height: number }): void {
    this.counter.setLines(lines, frame);
  }
}
