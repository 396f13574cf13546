import type { DemographicsSettings } from '../../config/types.js';
import { Batcher } from '../../faces/batcher.js';
import type { HeadView, ViewResult } from '../../faces/view-analysis.js';
import type { DemographicFields, LineCount } from '../../protocol/events.js';
import type { Box, LineSpec } from '../../vision/types.js';
import type { AnalyserHandle } from './analyser-thread.js';
import { LineSplits, type LineSplit } from '../../protocol/line-splits.js';
import type { SourcePixels } from './pixels.js';
import { TrackEstimates, type CrossingRef } from './track-estimates.js';
import { DEFAULT_VIEW_POLICY, headRegion, ViewPlanner } from './views.js';

/** The `demographics` key of a task (config) / `--demographics` (CLI). */
export type DemographicsConfig = DemographicsSettings;

/** Head regions are cut at most this big: BlazeFace sees 256×256 and FaceRes crops from the same pixels. */
const HEAD_MAX_SIDE = 256;
const FORGET_AFTER_FRAMES = 300;
/** Views waiting beyond this are dropped (their track's crossings then say what the other views said). */
const MAX_QUEUED_VIEWS = 64;

interface QueuedView extends HeadView {
  track: number;
}

/**
 * Gender and age of the people counted, beside the counting: on each detection frame the tracks near a line offer
 * a head view cut from full-resolution pixels; views are analysed in batches in the face thread; crossings carry the
 * track's estimate (or why there is none) and a later estimate comes as a `demographics` event. No pixel outlives
 * its batch: views are handed to the thread and only FaceRes's numbers come back.
 */
export class Demographics {
  private readonly planner: ViewPlanner;
  private readonly estimates = new TrackEstimates();
  private readonly splits: LineSplits;
  private readonly batcher: Batcher<QueuedView, ViewResult>;
  /** Fields each pending crossing was counted with, to move it in the split once it settles. */
  private readonly pendingFields = new Map<number, DemographicFields>();
  offered = 0;
  dropped = 0;
  batches = 0;
  private closed = false;
  private readonly lastSeen = new Map<number, number>();
  private frames = 0;

  constructor(
    cfg: DemographicsConfig,
    lines: readonly LineSpec[],
    frame: { width: number; height: number },
    analyser: AnalyserHandle,
    private readonly onSettled: (ref: CrossingRef, fields: DemographicFields) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.planner = new ViewPlanner(lines, frame, { ...DEFAULT_VIEW_POLICY, minFacePx: cfg.min_face_px });
    this.splits = new LineSplits(lines.map((l) => l.name));
    this.batcher = new Batcher<QueuedView, ViewResult>({
      batchSize: cfg.batch_size,
      timeoutMs: cfg.batch_timeout_ms,
      maxQueued: MAX_QUEUED_VIEWS,
      analyse: (views) => {
        this.batches += 1;
        return analyser.analyse(views);
      },
      onResult: (v, r) => this.settle(v.track, r),
      onError: (views, err) => {
        this.onError(`face analysis failed for ${views.length} views: ${err.message}`);
        for (const v of views) this.settle(v.track, null);
      },
      onDropped: (v) => {
        this.dropped += 1;
        this.settle(v.track, null);
      },
    });
  }

  /** Tracks that want a view (`pixels` null: no pixels for this frame, nothing is offered). Never waits. */
  frame(frameNumber: number, tracks: readonly { id: number; box: Box }[], pixels: SourcePixels | null): void {
    for (const t of tracks) this.lastSeen.set(t.id, frameNumber);
    this.forgetGone(frameNumber);
    if (!pixels) return;
    for (const t of tracks) {
      if (!this.planner.wants(t.id, t.box, frameNumber)) continue;
      const { image, scale } = pixels.cut(headRegion(t.box), HEAD_MAX_SIDE);
      this.estimates.offered(t.id);
      this.offered += 1;
      this.batcher.push({ track: t.id, image, scale });
    }
  }

  /** Whether any track would take a view on this frame (so the caller fetches pixels only when needed). */
  wantsPixels(tracks: readonly { id: number; box: Box }[], frameNumber: number): boolean {
    return tracks.some((t) => this.planner.peek(t.id, t.box, frameNumber));
  }

  /** The fields of a crossing now; counted in its line's split. */
  crossing(ref: CrossingRef): DemographicFields {
    this.planner.crossed(ref.track, ref.frame);
    const fields = this.estimates.atCrossing(ref, this.planner.onlyTooSmall(ref.track));
    this.splits.add(ref.line, fields);
    if (fields.reason === 'pending') this.pendingFields.set(ref.seq, fields);
    return fields;
  }

  /** Line counts with their split by gender and age band. */
  /** Lines changed while counting (the line editor). */
  setLines(lines: readonly LineSpec[]): void {
    this.planner.setLines(lines);
  }

  withSplits(lines: LineCount[]): (LineCount & LineSplit)[] {
    return lines.map((l) => ({ ...l, ...this.splits.get(l.name) }));
  }

  /**
   * Analyses what is queued (for at most `budgetMs`: a stop must not wait long), then settles every crossing still
   * pending with what is known. Nothing is reported after this returns (`done` must stay the last event).
   */
  async stop(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<void>((r) => (timer = setTimeout(r, budgetMs)));
    await Promise.race([this.batcher.stop(), outOfTime]);
    clearTimeout(timer);
    for (const { ref, fields } of this.estimates.flushWaiting()) this.resolve(ref, fields);
    this.closed = true;
  }

  /** What the face thread did, for the worker's last log line. */
  summary(): string {
    return `demographics: ${this.offered} views in ${this.batches} batches, ${this.dropped} dropped unanalysed`;
  }

  /** Tracks unseen for FORGET_AFTER_FRAMES are dropped (the tracker has long let them go); a brief occlusion is not. */
  private forgetGone(frameNumber: number): void {
    if (++this.frames % 100 !== 0) return;
    for (const [id, seen] of this.lastSeen) if (frameNumber - seen > FORGET_AFTER_FRAMES) this.lastSeen.delete(id);
    const alive = new Set(this.lastSeen.keys());
    this.planner.forget(alive);
    this.estimates.forget(alive);
  }

  private settle(track: number, result: ViewResult | null): void {
    if (this.closed) return;
    for (const { ref, fields } of this.estimates.settled(track, result)) this.resolve(ref, fields);
  }

  private resolve(ref: CrossingRef, fields: DemographicFields): void {
    const before = this.pendingFields.get(ref.seq);
    if (before) this.splits.settle(ref.line, before, fields);
    this.pendingFields.delete(ref.seq);
    this.onSettled(ref, fields);
  }
}
