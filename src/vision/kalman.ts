import type { Box } from './types.js';

/**
 * Noise levels of the box motion model, all relative to the box height and in seconds, so that one setting fits
 * small and big people at any frame rate.
 */
export interface KalmanNoise {
  /** Spectral density of the random acceleration of the centre, as (box heights)/s^1.5: the velocity std grows as σ·h·√t. */
  centerAccel: number;
  /** Same for width and height (people change apparent size slowly). */
  sizeAccel: number;
  /** Std of a detected centre coordinate, in box heights. */
  centerMeasure: number;
  /** Std of a detected width or height, in box heights. */
  sizeMeasure: number;
  /** Std of the unknown initial centre velocity, in box heights per second. */
  initialCenterVelocity: number;
  /** Std of the unknown initial size velocity, in box heights per second. */
  initialSizeVelocity: number;
}

/**
 * Constant-velocity Kalman filter of one coordinate, driven by continuous white-noise acceleration. With a
 * position-only measurement this filter is exact per coordinate: the four box coordinates never correlate because
 * the motion model, the process noise and the measurement noise are all diagonal across coordinates.
 */
class CoordinateFilter {
  constructor(
    public x: number,
    public v: number,
    private p00: number,
    private p01: number,
    private p11: number,
  ) {}

  /** Advance by dt seconds; q = spectral density of the acceleration (units²/s³). */
  predict(dt: number, q: number): void {
    if (dt <= 0) return;
    this.x += this.v * dt;
    const dt2 = dt * dt;
    this.p00 += 2 * dt * this.p01 + dt2 * this.p11 + (q * dt2 * dt) / 3;
    this.p01 += dt * this.p11 + (q * dt2) / 2;
    this.p11 += q * dt;
  }

  /** Fuse a measurement z with variance r. */
  update(z: number, r: number): void {
    const s = this.p00 + r;
    const k0 = this.p00 / s;
    const k1 = this.p01 / s;
    const innovation = z - this.x;
    this.x += k0 * innovation;
    this.v += k1 * innovation;
    const p00 = this.p00;
    const p01 = this.p01;
    this.p00 = (1 - k0) * p00;
    this.p01 = (1 - k0) * p01;
    this.p11 -= k1 * p01;
  }

  /** Variance of the predicted measurement (state variance plus measurement variance r). */
  innovationVariance(r: number): number {
    return this.p00 + r;
  }

  /** Position, velocity and covariance as plain numbers: the constructor's arguments. */
  toData(): [number, number, number, number, number] {
    return [this.x, this.v, this.p00, this.p01, this.p11];
  }
}

/** A box filter as plain numbers: per coordinate (centre x, centre y, width, height) what CoordinateFilter.toData gives. */
export type KalmanData = [number, number, number, number, number][];

/** Kalman filter of a box as centre x, centre y, width and height, each with its velocity. */
export class BoxKalman {
  private readonly coords: CoordinateFilter[];

  constructor(
    box: Box,
    private readonly noise: KalmanNoise,
  ) {
    const [x, y, w, h] = box;
    const z = [x + w / 2, y + h / 2, w, h];
    this.coords = z.map((value, i) => {
      const center = i < 2;
      const r = (center ? noise.centerMeasure : noise.sizeMeasure) * h;
      const v0 = (center ? noise.initialCenterVelocity : noise.initialSizeVelocity) * h;
      return new CoordinateFilter(value, 0, r * r, 0, v0 * v0);
    });
  }

  toData(): KalmanData {
    return this.coords.map((c) => c.toData());
  }

  /** Takes the state of `data` (a filter of this one's noise, as toData gave it). */
  loadData(data: KalmanData): void {
    data.forEach((c, i) => (this.coords[i] = new CoordinateFilter(...c)));
  }

  private get height(): number {
    return Math.max(1, this.coords[3].x);
  }

  predict(dt: number): void {
    const h = this.height;
    const qc = (this.noise.centerAccel * h) ** 2;
    const qs = (this.noise.sizeAccel * h) ** 2;
    this.coords.forEach((c, i) => c.predict(dt, i < 2 ? qc : qs));
  }

  update(box: Box): void {
    const [x, y, w, h] = box;
    const z = [x + w / 2, y + h / 2, w, h];
    const rc = (this.noise.centerMeasure * h) ** 2;
    const rs = (this.noise.sizeMeasure * h) ** 2;
    this.coords.forEach((c, i) => c.update(z[i], i < 2 ? rc : rs));
  }

  /** Current box estimate (width and height kept at least 1 px). */
  box(): Box {
    const [cx, cy, w, h] = this.coords.map((c) => c.x);
    const ww = Math.max(1, w);
    const hh = Math.max(1, h);
    return [cx - ww / 2, cy - hh / 2, ww, hh];
  }

  /** Centre velocity in pixels per second. */
  velocity(): [number, number] {
    return [this.coords[0].v, this.coords[1].v];
  }

  /**
   * Squared Mahalanobis distance of a detected centre from the predicted one. It grows slower as the track goes
   * unobserved, because the predicted variance grows: the gate widens with the time since the last match.
   */
  centerDistance2(box: Box): number {
    const r = (this.noise.centerMeasure * box[3]) ** 2;
    const dx = box[0] + box[2] / 2 - this.coords[0].x;
    const dy = box[1] + box[3] / 2 - this.coords[1].x;
    return (dx * dx) / this.coords[0].innovationVariance(r) + (dy * dy) / this.coords[1].innovationVariance(r);
  }
}
