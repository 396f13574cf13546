import { DEFAULT_CUT_FEET, type CutFeetOptions } from './cut-feet.js';
import { lineMoments } from './least-squares.js';
import type { HeightFit } from './person-heights.js';
import type { Box } from './types.js';

/**
 * Whether a person cut by the frame's bottom edge walked out through it. A box cut by the edge hides the feet, and the
 * height model's guess of where they are (cut-feet.ts) is only trusted well below the edge, because a person walking
 * along the edge must still count. But someone seen whole walking down towards the edge (towards the camera) whose
 * box then reaches it has their feet below the picture, however tall the height model thinks they are: they stay out
 * until the box is whole again or its top shows the feet coming back up. How the top moves with the feet follows from
 * the height model: top = row − height(row) = (1 − slope) · row − intercept, so the feet move by Δtop / (1 − slope)
 * (down as the top rises on an eye-level camera, slope > 1; down with the top on an elevated one, slope < 1).
 */

interface FootSighting {
  t: number;
  /** Row of the feet (box bottom), frame pixels. */
  feet: number;
  top: number;
  height: number;
}

/** What the counter remembers of one track's feet. */
export interface FeetTrail {
  /** Recent sightings with the feet in the picture, oldest first. */
  whole: readonly FootSighting[];
  /**
   * Set while the track is out through the bottom edge: the last sighting before it went out, and the farthest down
   * (pixels) the top has since put the feet from there.
   */
  out: { top: number; height: number; farthest: number } | null;
}

export const NO_TRAIL: FeetTrail = Object.freeze({ whole: [], out: null });

/** Least-squares speed of the feet (pixels per second, down positive), or null when the sightings span too little. */
function footSpeed(sightings: readonly FootSighting[], minSpan: number): number | null {
  const n = sightings.length;
  if (n < 2 || sightings[n - 1].t - sightings[0].t < minSpan) return null;
  const { sxx, sxy } = lineMoments(n, (i) => sightings[i].t, (i) => sightings[i].feet);
  return sxy / sxx;
}

/**
 * One matched sighting of a track (box in frame pixels, `t` in seconds, `cut` = cutByBottom): the trail after it,
 * and the row of the feet when the track is out through the bottom edge (null: this rule has nothing to say).
 */
export function followFeet(
  trail: FeetTrail,
  box: Box,
  cut: boolean,
  t: number,
  frameHeight: number,
  fit: Pick<HeightFit, 'intercept' | 'slope'> | null,
  o: CutFeetOptions = DEFAULT_CUT_FEET,
): { trail: FeetTrail; feet: number | null } {
  const [, top, , height] = box;
  if (!cut) {
    const whole = [...trail.whole.filter((s) => t - s.t <= o.walkSeconds), { t, feet: top + height, top, height }];
    return { trail: { whole, out: null }, feet: null };
  }
  // Without a height model, or with heads on one row at any distance, the top cannot tell the feet coming back.
  if (!fit || Math.abs(1 - fit.slope) < o.minSlopeGap) return { trail, feet: null };
  let out = trail.out;
  if (!out) {
    const last = trail.whole[trail.whole.length - 1];
    const speed = footSpeed(trail.whole, o.minWalkSpan);
    if (speed === null || speed < o.minWalkSpeed * last.height) return { trail, feet: null };
    out = { top: last.top, height: last.height, farthest: 0 };
  }
  const down = (top - out.top) / (1 - fit.slope);
  if (out.farthest - down > o.backShare * out.height) return { trail: NO_TRAIL, feet: null };
  const estimate = (top + fit.intercept) / (1 - fit.slope);
  // Out means below the edge, by at least as much as a cut box may end above it.
  const feet = Math.max(estimate, frameHeight + o.edgeShare * height);
  return { trail: { whole: [], out: { ...out, farthest: Math.max(out.farthest, down) } }, feet };
}
