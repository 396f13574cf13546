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
  /**
   * A candidate box shorter than the last sighting by more than this (|ln| of the ratio) lost part of the person to
   * someone in front: its vertical step is taken at the end of the box that moved less.
   */
  shrink: number;
}

export interface Observation {
  t: number;
  /** Centre x, top and bottom of the box. */
  x: number;
  top: number;
  bottom: number;
}

type Ends = Omit<Observation, 't'>;

const ends = (box: Box): Ends => ({ x: box[0] + box[2] / 2, top: box[1], bottom: box[1] + box[3] });

/** The move of the box centre. */
function centreStep(a: Ends, b: Ends): [number, number] {
  return [b.x - a.x, (b.top + b.bottom - a.top - a.bottom) / 2];
}

/**
 * The move of a person whose box lost one end: vertically, by whichever end moved less, and not at all when the ends
 * moved apart or together. A box that loses its top to someone in front moves its centre by half the loss without
 * the person moving.
 */
function endStep(a: Ends, b: Ends): [number, number] {
  const dTop = b.top - a.top;
  const dBottom = b.bottom - a.bottom;
  const dy = Math.sign(dTop) === Math.sign(dBottom) ? Math.sign(dTop) * Math.min(Math.abs(dTop), Math.abs(dBottom)) : 0;
  return [b.x - a.x, dy];
}

/** Observations older than this (s) are never needed for a heading. */
const KEEP_SECONDS = 3;

export class ObservedPath {
  private readonly seen: Observation[] = [];

  toData(): Observation[] {
    return this.seen.map((o) => ({ ...o }));
  }

  loadData(seen: readonly Observation[]): void {
    this.seen.splice(0, this.seen.length, ...seen.map((o) => ({ ...o })));
  }

  add(box: Box, t: number): void {
    this.seen.push({ t, ...ends(box) });
    while (this.seen.length > 2 && t - this.seen[1].t > KEEP_SECONDS) this.seen.shift();
  }

  /**
   * The cost of taking a detection at `box` for how far its direction from the last observation turns away from the
   * path's heading: 0 when in line (or when either step is too short to have a direction), `weight` when straight back.
   */
  turnCost(box: Box, cue: HeadingCost): number {
    if (cue.weight === 0 || this.seen.length < 2) return 0;
    const last = this.seen[this.seen.length - 1];
    // The latest sighting at least `span` before the last (else the oldest kept), searched from the newest end: this
    // runs for every track and candidate of every pass.
    let from = this.seen[0];
    for (let i = this.seen.length - 1; i > 0; i--) {
      if (last.t - this.seen[i].t >= cue.span) {
        from = this.seen[i];
        break;
      }
    }
    const lastHeight = last.bottom - last.top;
    const [ux, uy] = centreStep(from, last);
    const [wx, wy] = (Math.log(lastHeight / box[3]) > cue.shrink ? endStep : centreStep)(last, ends(box));
    const u = Math.hypot(ux, uy);
    const w = Math.hypot(wx, wy);
    const h = Math.min(lastHeight, box[3]);
    if (u < cue.minStep * h || w < cue.minStep * h) return 0;
    return (cue.weight * (1 - (ux * wx + uy * wy) / (u * w))) / 2;
  }
}
