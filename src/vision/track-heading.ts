import type { Box } from './types.js';

/**
 * Where a track has been observed, and which way that path was heading: the direction between two of its own
 * observations, not the Kalman velocity. After a gap, or after a detection that belonged to someone else, the filter's
 * velocity can point anywhere (it keeps what the last few matches taught it); the observed path does not drift.
 */

/** The direction cue of association, in body heights and seconds (see tracker-config.ts). */
export interface HeadingCost {
  /** Cost added for a candidate straight against the heading (scaled by (1 − cos θ) / 2); 0 turns the cue off. */
  weight: number;
  /** The heading is taken over at least this much time of the path (s): jitter averages out. */
  span: number;
  /** Steps shorter than this (body heights) say nothing about direction: people standing, or box jitter. */
  minStep: number;
}

interface Observation {
  t: number;
  x: number;
  y: number;
  h: number;
}

/** Observations older than this (s) are never needed for a heading. */
const KEEP_SECONDS = 3;

export class ObservedPath {
  private readonly seen: Observation[] = [];

  add(box: Box, t: number): void {
    this.seen.push({ t, x: box[0] + box[2] / 2, y: box[1] + box[3] / 2, h: box[3] });
    while (this.seen.length > 2 && t - this.seen[1].t > KEEP_SECONDS) this.seen.shift();
  }

  /**
   * The cost of taking a detection at `box` for how far its direction from the last observation turns away from the
   * path's heading: 0 when in line (or when either step is too short to have a direction), `weight` when straight back.
   */
  turnCost(box: Box, cue: HeadingCost): number {
    if (cue.weight === 0 || this.seen.length < 2) return 0;
    const last = this.seen[this.seen.length - 1];
    let from = this.seen[0];
    for (const o of this.seen) if (last.t - o.t >= cue.span) from = o;
    const ux = last.x - from.x;
    const uy = last.y - from.y;
    const wx = box[0] + box[2] / 2 - last.x;
    const wy = box[1] + box[3] / 2 - last.y;
    const u = Math.hypot(ux, uy);
    const w = Math.hypot(wx, wy);
    const h = Math.min(last.h, box[3]);
    if (u < cue.minStep * h || w < cue.minStep * h) return 0;
    return (cue.weight * (1 - (ux * wx + uy * wy) / (u * w))) / 2;
  }
}
