import { LEARN_SCORE } from './adaptive-crops.js';
import { DEFAULT_CUT_FEET, cutByBottom, withFeet } from './cut-feet.js';
import { LineCounter, type CounterOptions, type CrossingRecord, type LineCount, type LineCounterData } from './line-counter.js';
import { PersonHeightModel, type HeightModelData } from './person-heights.js';
import type { TrackSnapshot } from './track.js';
import { Tracker, type RemovedTrack, type TrackerData } from './tracker.js';
import type { TrackerConfig } from './tracker-config.js';
import type { Box, Detection, LineSpec } from './types.js';
import { NO_TRAIL, followFeet, type FeetTrail } from './walked-out.js';

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
  /** Appearance is computed for detections within this many body heights of a line (default 3). */
  appearanceBand?: number;
}

/** Everything the counter's next step depends on, as plain data (a checkpoint's): toData, then loadData. */
export interface PeopleCounterData {
  tracker: TrackerData;
  counter: LineCounterData;
  heights: HeightModelData;
  trails: [track: number, FeetTrail][];
}

/** The appearance (appearance.ts) of a box of the current frame, in source coordinates; null when it cannot say. */
export type AppearanceSampler = (box: Box) => Float32Array | null;

/**
 * Tracker and line counter wired together for one source. The counter only sees positions that a detection has just
 * corrected: predicted positions between detections (with --skip-frames) can overshoot the line and come back,
 * which would count one person twice.
 */
export class PeopleCounter {
  readonly tracker: Tracker;
  readonly counter: LineCounter;

  private readonly appearanceBand: number;
  /** How tall people are by foot row, which places the feet of people cut by the frame's bottom edge. */
  private heights: PersonHeightModel;
  /** Whether each track walked out through the frame's bottom edge (walked-out.ts). */
  private trails = new Map<number, FeetTrail>();
  private frame: { width: number; height: number };
  /** Crossings of tracks ended by a new frame size (setLines), returned by the step of that frame. */
  private endedBySize: CrossingRecord[] = [];

  constructor(lines: readonly LineSpec[], frame: { width: number; height: number }, options: PeopleCounterOptions = {}) {
    this.frame = frame;
    this.heights = new PersonHeightModel(frame);
    this.tracker = new Tracker(options.tracker, frame);
    this.counter = new LineCounter(lines, frame, options.counter);
    this.appearanceBand = options.appearanceBand ?? 3;
  }

  /**
   * A frame the detector ran on; `pts` in seconds. With `appearance`, detections near the lines are described by
   * their colours, which keeps identities apart where people cross side by side.
   */
  detections(detections: readonly Detection[], frame: number, pts: number, appearance?: AppearanceSampler): StepResult {
    const described = appearance ? detections.map((d) => this.describe(d, appearance)) : detections;
    const out = this.tracker.update(described, pts);
    this.learnHeights(detections);
    const crossings = this.counter.update(
      out.tracks.filter((t) => t.matched).map((t) => ({ ...t, box: this.feetPlaced(t.id, t.box, pts) })),
      frame,
      pts,
    );
    crossings.unshift(...this.takeEndedBySize());
    crossings.push(...this.forget(out.removed));
    return { tracks: out.tracks, crossings, removed: out.removed };
  }

  toData(): PeopleCounterData {
    return { tracker: this.tracker.toData(), counter: this.counter.toData(), heights: this.heights.toData(), trails: structuredClone([...this.trails]) };
  }

  /** Continues from `d` (what toData gave, same settings): the same crossings for the same input from here on. */
  loadData(d: PeopleCounterData): void {
    this.tracker.loadData(d.tracker);
    this.counter.loadData(d.counter);
    this.heights.loadData(d.heights);
    this.trails = new Map(structuredClone(d.trails));
  }

  /**
   * A frame without detection: tracks move to their predicted positions. Only tracks that end here count (a change
   * of side they held).
   */
  predict(pts: number): StepResult {
    const out = this.tracker.predict(pts);
    return { tracks: out.tracks, crossings: [...this.takeEndedBySize(), ...this.forget(out.removed)], removed: out.removed };
  }

  /** The source ended or counting stops: the crossings still held that count now (LineCounter.finish). */
  finish(): CrossingRecord[] {
    return [...this.takeEndedBySize(), ...this.counter.finish()];
  }

  private takeEndedBySize(): CrossingRecord[] {
    const ended = this.endedBySize;
    this.endedBySize = [];
    return ended;
  }

  /** Confident boxes clear of every frame edge are whole people. */
  private learnHeights(detections: readonly Detection[]): void {
    const { width, height } = this.frame;
    const edge = DEFAULT_CUT_FEET.edgeShare * height;
    for (const d of detections) {
      const [x, y, w, h] = d.box;
      if (d.score >= LEARN_SCORE && x > edge && y > edge && x + w < width - edge && y + h < height - edge) this.heights.observe(d.box);
    }
  }

  private feetPlaced(id: number, box: Box, pts: number): Box {
    const frameHeight = this.frame.height;
    const cut = cutByBottom(box, frameHeight);
    // The fit is only needed (and refitted) when someone is at the bottom edge.
    const fit = cut ? this.heights.fit() : null;
    const { trail, feet } = followFeet(this.trails.get(id) ?? NO_TRAIL, box, cut, pts, frameHeight, fit);
    this.trails.set(id, trail);
    if (feet !== null) return [box[0], box[1], box[2], Math.max(box[3], feet - box[1])];
    return cut ? withFeet(box, frameHeight, fit) : box;
  }

  /** The counter's crossings of the tracks that ended (LineCounter.forget). */
  private forget(removed: readonly RemovedTrack[]): CrossingRecord[] {
    for (const r of removed) this.trails.delete(r.id);
    return this.counter.forget(removed.map((r) => r.id));
  }

  private describe(d: Detection, appearance: AppearanceSampler): Detection {
    if (d.score < this.tracker.config.lowScore || !this.counter.near(d.box, this.appearanceBand)) return d;
    return { ...d, appearance: appearance(d.box) ?? undefined };
  }

  counts(): LineCount[] {
    return this.counter.counts();
  }

  summary(): { in: number; out: number; occupancy: number } {
    return this.counter.summary();
  }

  /** The frame size the lines, tracks and heights are in (pixels of the source). */
  get size(): { width: number; height: number } {
    return this.frame;
  }

  /**
   * New lines mid-run (see LineCounter.setLines): tracks and counts go on. A new frame size (a camera back with other
   * settings) also ends the tracks and forgets the people heights, which are in the old picture's pixels. The tracks
   * end first, on the lines as they were in that picture: a change of side still held then counts as when any track
   * ends (LineCounter.forget), with the next step's crossings; the person stood where they stood whatever the size.
   */
  setLines(lines: readonly LineSpec[], frame: { width: number; height: number }): void {
    if (frame.width !== this.frame.width || frame.height !== this.frame.height) {
      this.heights = new PersonHeightModel(frame);
      this.endedBySize.push(...this.forget(this.tracker.resize(frame)));
    }
    this.counter.setLines(lines, frame);
    this.frame = frame;
  }
}
