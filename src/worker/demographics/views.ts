import type { Region } from '../../faces/crop.js';
import type { Box, LineSpec } from '../../vision/types.js';

/**
 * Which tracks get a face view on a frame, and where their head is. Pure: the worker asks this on each detection
 * frame and cuts the returned regions from the source's full-resolution pixels.
 */

export interface ViewPolicy {
  /** Faces smaller than this (pixels, BlazeFace box side in the source) give no estimate. */
  minFacePx: number;
  /** Views per track at most (the ones with the largest boxes are what makes it into the queue first). */
  maxViews: number;
  /** Frames between two views of one track, at least. */
  minGapFrames: number;
  /** A track is near a line when its anchor is within this many box heights of it. */
  nearLineHeights: number;
  /** Views are still taken for this many frames after a track crossed. */
  afterCrossingFrames: number;
}

export const DEFAULT_VIEW_POLICY: Omit<ViewPolicy, 'minFacePx'> = { maxViews: 4, minGapFrames: 5, nearLineHeights: 1.5, afterCrossingFrames: 30 };

/**
 * A face is about a tenth of a standing person's box height (BlazeFace's box: brows to chin). A box too short for a
 * face of `minFacePx` is not worth a view.
 */
export const FACE_TO_PERSON_HEIGHT = 0.1;

/** The head region cut for BlazeFace: a square `HEAD_SIDE` × the box height, from just above the box top. */
export const HEAD_SIDE = 0.3;
const HEAD_ABOVE = 0.03;

export function headRegion(box: Box): Region {
  const [x, y, w, h] = box;
  const side = Math.max(HEAD_SIDE * h, 0.5 * w);
  return [x + w / 2 - side / 2, y - HEAD_ABOVE * h, side, side];
}

interface TrackViews {
  taken: number;
  lastFrame: number;
  crossedAt: number | null;
}

/** Remembers per track how many views were taken and when, and answers whether a track wants one now. */
export class ViewPlanner {
  private readonly tracks = new Map<number, TrackViews>();
  /** Tracks that were near a line but always too small for a face (their crossings say `too_small`). */
  private readonly small = new Set<number>();

  constructor(
    private lines: readonly LineSpec[],
    private readonly frame: { width: number; height: number },
    private readonly policy: ViewPolicy,
  ) {}

  /** Lines changed while counting: views are taken near the new ones from now on. */
  setLines(lines: readonly LineSpec[]): void {
    this.lines = lines;
  }

  /** Whether to take a view of this confirmed track on this frame; a yes is recorded as a view taken. */
  wants(track: number, box: Box, frameNumber: number): boolean {
    if (!this.peek(track, box, frameNumber)) return false;
    const t = this.tracks.get(track) ?? { taken: 0, lastFrame: -Infinity, crossedAt: null };
    t.taken += 1;
    t.lastFrame = frameNumber;
    this.tracks.set(track, t);
    return true;
  }

  /** The same question, without recording anything. */
  peek(track: number, box: Box, frameNumber: number): boolean {
    const t = this.tracks.get(track) ?? { taken: 0, lastFrame: -Infinity, crossedAt: null };
    if (t.taken >= this.policy.maxViews || frameNumber - t.lastFrame < this.policy.minGapFrames) return false;
    const recentlyCrossed = t.crossedAt !== null && frameNumber - t.crossedAt <= this.policy.afterCrossingFrames;
    if (t.crossedAt !== null && !recentlyCrossed) return false;
    if (!recentlyCrossed && !this.nearLine(box)) return false;
    if (box[3] * FACE_TO_PERSON_HEIGHT < this.policy.minFacePx) {
      this.small.add(track);
      return false;
    }
    return true;
  }

  crossed(track: number, frameNumber: number): void {
    const t = this.tracks.get(track) ?? { taken: 0, lastFrame: -Infinity, crossedAt: null };
    t.crossedAt = frameNumber;
    this.tracks.set(track, t);
  }

  /** No view was taken of this track because it was too small whenever it was near a line. */
  onlyTooSmall(track: number): boolean {
    return this.small.has(track) && !(this.tracks.get(track)?.taken ?? 0);
  }

  /** Forgets tracks the tracker no longer has. */
  forget(alive: ReadonlySet<number>): void {
    for (const id of this.tracks.keys()) if (!alive.has(id)) this.tracks.delete(id);
    for (const id of this.small) if (!alive.has(id)) this.small.delete(id);
  }

  private nearLine(box: Box): boolean {
    const px = box[0] + box[2] / 2;
    const py = box[1] + box[3];
    const limit = this.policy.nearLineHeights * box[3];
    return this.lines.some((l) => segmentDistance(px, py, l, this.frame) <= limit);
  }
}

function segmentDistance(px: number, py: number, line: LineSpec, frame: { width: number; height: number }): number {
  const [x1, y1, x2, y2] = line.points;
  const ax = x1 * frame.width;
  const ay = y1 * frame.height;
  const dx = x2 * frame.width - ax;
  const dy = y2 * frame.height - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}
