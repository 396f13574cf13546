import type { HeightFit } from './person-heights.js';
import type { Box } from './types.js';

/**
 * Where the feet are when a box is cut by the frame's bottom edge. The detector's box stops at the edge, but the
 * person goes on below it, and a line drawn in the picture is only crossed where the feet are on it (the ground-truth
 * rule counts the same way, with annotated boxes that go on beyond the frame). The height model says how tall people
 * are by foot row, height ≈ intercept + slope · row, so the top of a cut box, which is in the picture, places the
 * feet: top = row − height(row), hence row = (top + intercept) / (1 − slope).
 */

export interface CutFeetOptions {
  /** A box whose bottom is within this share of the frame height of the bottom edge is cut by it. */
  edgeShare: number;
  /**
   * The feet are moved only when they come out below the frame's edge by more than this share of the person's
   * height: detector boxes are that loose, and a person standing at the edge must still be counted.
   */
  marginShare: number;
  /**
   * Smallest |1 − slope| that places the feet: near 1 (a camera at head height, where heads stay on one row at any
   * distance) the top does not tell the distance.
   */
  minSlopeGap: number;
  /** Seconds of sightings with the feet in the picture that tell whether a track walked out through the bottom edge. */
  walkSeconds: number;
  /** Those sightings must span at least this many seconds (a speed from two frames 33 ms apart is jitter). */
  minWalkSpan: number;
  /** Foot speed towards the bottom edge, in the track's heights per second, that counts as walking out through it. */
  minWalkSpeed: number;
  /** A track that walked out is back once its box's top says the feet came up by this share of its height. */
  backShare: number;
}

export const DEFAULT_CUT_FEET: Readonly<CutFeetOptions> = Object.freeze({
  // Detector boxes of people cut by the edge end up to ~2 % short of it (MOT17-09: 28 boxes end at row 1080, most
  // others of cut people between 1060 and 1079); 3 % also takes in the tracker's smoothing of those boxes.
  edgeShare: 0.03,
  // On vtest.avi a person walking along the bottom edge has a detector box 16 px (11 %) lower than the annotated
  // one: 0.1 still lost that crossing (bench:count replay), 0.15 kept it.
  marginShare: 0.15,
  minSlopeGap: 0.2,
  walkSeconds: 1,
  minWalkSpan: 0.2,
  // Walking at 1.4 m/s towards an eye-level camera 5 m away moves the feet down by ~0.17 heights per second (MOT17-09's
  // people leaving through the bottom edge: 0.19), 20 m away by ~0.04; a person standing still, by their boxes' jitter.
  minWalkSpeed: 0.05,
  // Twice the few percent by which the box edges of a person standing still jitter.
  backShare: 0.1,
});

/** Whether the box reaches the frame's bottom edge (its feet may be below the picture). */
export function cutByBottom(box: Box, frameHeight: number, o: CutFeetOptions = DEFAULT_CUT_FEET): boolean {
  return box[1] + box[3] >= frameHeight * (1 - o.edgeShare);
}

/**
 * Whether the box also reaches the frame's top edge: the person is taller than the picture, so its top is not their
 * head and says nothing about how tall they are.
 */
export function cutByTop(box: Box, frameHeight: number, o: CutFeetOptions = DEFAULT_CUT_FEET): boolean {
  return box[1] <= frameHeight * o.edgeShare;
}

/**
 * The box, made taller down to the estimated feet when the frame's bottom edge cuts it and the feet are below it. A
 * box cut by the top edge too is someone taller than the picture (close to the camera): their head is above it, so
 * their feet are below it, whatever the height model, fitted on people seen whole farther away, makes of the top.
 * The margin is for a loose box whose top sits below the head, which a box cut at the top cannot be; below the edge
 * means by at least as much as a cut box may end above it, as for a person who walked out (walked-out.ts).
 */
export function withFeet(
  box: Box,
  frameHeight: number,
  fit: Pick<HeightFit, 'intercept' | 'slope'> | null,
  o: CutFeetOptions = DEFAULT_CUT_FEET,
): Box {
  if (!cutByBottom(box, frameHeight, o)) return box;
  const estimate = fit && Math.abs(1 - fit.slope) >= o.minSlopeGap ? (box[1] + fit.intercept) / (1 - fit.slope) : null;
  if (cutByTop(box, frameHeight, o)) {
    const feet = Math.max(estimate ?? -Infinity, frameHeight + o.edgeShare * box[3]);
    return [box[0], box[1], box[2], Math.max(box[3], feet - box[1])];
  }
  if (estimate === null) return box;
  const height = estimate - box[1];
  return height > box[3] && estimate > frameHeight + o.marginShare * height ? [box[0], box[1], box[2], height] : box;
}
