import type { FrameSize, PersonHeights } from './crop-plan.js';
import { lineMoments } from './least-squares.js';
import type { Box } from './types.js';

/**
 * How tall people are, learned from what the detector finds. On a flat ground seen by a fixed camera, a person's height
 * in the image is close to a linear function of the image row of their feet (zero at the horizon, growing towards the
 * camera), so a robust straight-line fit of height against foot row predicts the height anywhere, including parts of
 * a line where nobody has been seen yet. The residuals' quantiles give the smaller (`low`) and the taller (`high`)
 * people at a row. Like Frigate's learned region grid, but one fit for the whole picture.
 *
 * Until enough people were seen, the prior holds: small people (scale chosen fine, so that they are found at all)
 * and tall ones (bands and overlaps generous). The learned values are then kept within a factor of the range seen,
 * so that a fit extrapolated to far-away rows cannot ask for an absurd scale.
 */

export interface HeightObservation {
  /** Image row of the feet (box bottom), frame pixels. */
  y: number;
  height: number;
}

export interface HeightModelOptions {
  /** Observations kept (the newest win). */
  capacity: number;
  /** Observations needed before the fit replaces the prior. */
  minObservations: number;
  /** Prior, as fractions of the frame height. */
  priorLow: number;
  priorHigh: number;
  /** Residual quantiles for low and high. */
  lowQuantile: number;
  highQuantile: number;
  /** Nobody is assumed smaller than this many frame pixels. */
  minHeight: number;
}

export const DEFAULT_HEIGHT_MODEL: Readonly<HeightModelOptions> = Object.freeze({
  capacity: 400,
  minObservations: 12,
  // People are rarely smaller than 7% of the frame on a counting camera; rarely taller than a third of it near a line.
  priorLow: 0.07,
  priorHigh: 0.35,
  lowQuantile: 0.2,
  highQuantile: 0.9,
  minHeight: 16,
});

/** Heights predicted outside the range seen are kept within this factor of the smallest and tallest seen. */
const EXTRAPOLATION = 0.7;

export interface HeightFit {
  /** height ≈ intercept + slope · footY */
  intercept: number;
  slope: number;
  /** Residual quantiles added to the line for low and high. */
  lowOffset: number;
  highOffset: number;
  /** Rows and heights seen, which bound extrapolation. */
  minY: number;
  maxY: number;
  minHeight: number;
  maxHeight: number;
  observations: number;
}

/** What the model has seen, as plain data (a checkpoint's): the observations kept, and where the next one goes. */
export interface HeightModelData {
  seen: HeightObservation[];
  next: number;
}

export class PersonHeightModel {
  readonly options: HeightModelOptions;
  private readonly seen: HeightObservation[] = [];
  private next = 0;
  private fitted: HeightFit | null = null;
  private dirty = false;

  constructor(
    private readonly frame: FrameSize,
    options: Partial<HeightModelOptions> = {},
  ) {
    this.options = { ...DEFAULT_HEIGHT_MODEL, ...options };
  }

  /** A whole person's box (not cut by the frame or a tile edge), frame pixels. */
  observe(box: Box): void {
    const o = { y: box[1] + box[3], height: box[3] };
    if (!(o.height > 0) || !Number.isFinite(o.y)) return;
    if (this.seen.length < this.options.capacity) this.seen.push(o);
    else this.seen[this.next] = o;
    this.next = (this.next + 1) % this.options.capacity;
    this.dirty = true;
  }

  toData(): HeightModelData {
    return { seen: this.seen.map((o) => ({ ...o })), next: this.next };
  }

  loadData(d: HeightModelData): void {
    this.seen.splice(0, this.seen.length, ...d.seen.map((o) => ({ ...o })));
    this.next = d.next;
    this.dirty = true;
  }

  get observations(): number {
    return this.seen.length;
  }

  /** The current fit, or null while the prior holds. */
  fit(): HeightFit | null {
    if (this.dirty) {
      this.fitted = this.seen.length >= this.options.minObservations ? fitHeights(this.seen, this.options, this.frame) : null;
      this.dirty = false;
    }
    return this.fitted;
  }

  /** Low and high person heights by foot row: the fit, or the prior. */
  heights(): PersonHeights {
    const f = this.fit();
    const o = this.options;
    const floor = o.minHeight;
    if (!f) {
      const low = Math.max(floor, o.priorLow * this.frame.height);
      const high = Math.max(low, o.priorHigh * this.frame.height);
      return { low: () => low, high: () => high };
    }
    const line = (y: number) => f.intercept + f.slope * Math.min(this.frame.height, Math.max(0, y));
    // Within EXTRAPOLATION of the smallest and the tallest height seen: extrapolation is a guess, not a licence.
    const lowBound = Math.max(floor, f.minHeight * EXTRAPOLATION);
    const highBound = f.maxHeight / EXTRAPOLATION;
    // Rows where the fitted ground is above the horizon (a person would be smaller than `minHeight`): nobody stands
    // there, and those rows need no scale of their own (0).
    const beyondHorizon = (y: number) => f.slope > 0 && line(y) + f.lowOffset < floor;
    const low = (y: number) => (beyondHorizon(y) ? 0 : Math.min(highBound, Math.max(lowBound, line(y) + f.lowOffset)));
    return {
      low,
      high: (y) => (beyondHorizon(y) ? 0 : Math.max(low(y), Math.min(highBound, Math.max(lowBound, line(y) + f.highOffset)))),
    };
  }
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/**
 * Least squares of height on foot row, refitted twice without the observations far off the line (more than 3 median
 * absolute residuals: boxes around two people, or a child next to a tall adult). A slope below zero (taller further
 * up) is not a ground plane seen from above; the rows then do not tell heights apart and a constant is fitted, as it
 * is when the rows seen are too close together to give a slope. The worker refits after every detection pass, so
 * the observations are held as two columns of numbers and sorted as typed arrays (numeric order, no comparator).
 */
export function fitHeights(seen: readonly HeightObservation[], o: HeightModelOptions, frame: FrameSize): HeightFit {
  const ys = Float64Array.from(seen, (p) => p.y);
  const hs = Float64Array.from(seen, (p) => p.height);
  const sorted = new Float64Array(seen.length);
  let n = seen.length;
  let intercept = 0;
  let slope = 0;
  const off = (i: number) => Math.abs(hs[i] - intercept - slope * ys[i]);
  for (let pass = 0; pass < 3; pass++) {
    ({ intercept, slope } = lineFit(ys, hs, n, frame));
    for (let i = 0; i < n; i++) sorted[i] = off(i);
    const limit = 3 * quantile(sorted.subarray(0, n).sort(), 0.5) + 1;
    let kept = 0;
    for (let i = 0; i < n; i++) if (off(i) <= limit) kept += 1;
    if (kept < o.minObservations || kept === n) break;
    // The observations kept, in their order, moved to the front of the columns.
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (off(i) > limit) continue;
      ys[k] = ys[i];
      hs[k] = hs[i];
      k += 1;
    }
    n = k;
  }
  for (let i = 0; i < n; i++) sorted[i] = hs[i] - intercept - slope * ys[i];
  const residuals = sorted.subarray(0, n).sort();
  let [minY, maxY, minHeight, maxHeight] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, ys[i]);
    maxY = Math.max(maxY, ys[i]);
    minHeight = Math.min(minHeight, hs[i]);
    maxHeight = Math.max(maxHeight, hs[i]);
  }
  return {
    intercept,
    slope,
    lowOffset: quantile(residuals, o.lowQuantile),
    highOffset: quantile(residuals, o.highQuantile),
    minY,
    maxY,
    minHeight,
    maxHeight,
    observations: seen.length,
  };
}

function lineFit(ys: Float64Array, hs: Float64Array, n: number, frame: FrameSize): { intercept: number; slope: number } {
  const { meanX: my, meanY: mh, sxx: syy, sxy: syh } = lineMoments(n, (i) => ys[i], (i) => hs[i]);
  // Rows within a twentieth of the frame of each other cannot tell a slope from noise.
  const spread = Math.sqrt(syy / n);
  if (spread < frame.height / 20 || syh <= 0) return { intercept: mh, slope: 0 };
  const slope = syh / syy;
  return { intercept: mh - slope * my, slope };
}
