import { CALIBRATION, type Calibration } from './calibration.js';

/** What FaceRes said about one view of a face: P(male) per orientation, and the age distribution over 0..99. */
export interface FaceView {
  male: number[];
  age: Float32Array;
}

export type Gender = 'male' | 'female';

/** Age bands of the protocol (`progress`, `done`, `crossing`), youngest first. */
export const AGE_BANDS = ['0-12', '13-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];
const BAND_STARTS = [0, 13, 20, 30, 40, 50, 60, 70];

export function ageBand(age: number): AgeBand {
  let k = 0;
  while (k + 1 < BAND_STARTS.length && age >= BAND_STARTS[k + 1]) k++;
  return AGE_BANDS[k];
}

/** One estimate, as the protocol carries it. */
export interface FaceEstimate {
  /** null when the model is not sure enough (|P(male) − 0.5| below the calibrated margin). */
  gender: Gender | null;
  /** Probability of the more likely gender, 0.5..1 (after calibration). */
  gender_score: number;
  age: number | null;
  age_band: AgeBand | null;
}

/**
 * The crop FaceRes sees around a BlazeFace box: `scale` × the box's longer side, centred on the box moved down by
 * `shiftY` × its height. Fitted so that the crop frames a face as the aligned UTKFace chips do (see bench/demographics).
 */
export const FACE_CROP = { scale: 1.7, shiftY: 0 } as const;

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Expected age under the model's distribution (years). */
export function expectedAge(dist: Float32Array): number {
  let sum = 0;
  let mass = 0;
  for (let i = 0; i < dist.length; i++) {
    sum += i * dist[i];
    mass += dist[i];
  }
  return mass > 0 ? sum / mass : 0;
}

/** The raw numbers of several views of one person: mean gender logit and mean expected age. */
export interface RawEstimate {
  maleLogit: number;
  age: number;
}

export function combineViews(views: readonly FaceView[]): RawEstimate {
  if (views.length === 0) throw new RangeError('combineViews: no view');
  let z = 0;
  let a = 0;
  for (const v of views) {
    z += v.male.reduce((s, p) => s + logit(p), 0) / v.male.length;
    a += expectedAge(v.age);
  }
  return { maleLogit: z / views.length, age: a / views.length };
}

/** Applies the calibration: a logistic rescaling of the gender logit and a piecewise-linear map of the age. */
export function calibrate(raw: RawEstimate, cal: Calibration = CALIBRATION): FaceEstimate {
  const p = sigmoid(cal.gender.scale * raw.maleLogit + cal.gender.bias);
  const sure = Math.abs(p - 0.5) >= cal.gender.withhold;
  const age = mapAge(raw.age, cal.age.knots);
  return {
    gender: sure ? (p > 0.5 ? 'male' : 'female') : null,
    gender_score: round(Math.max(p, 1 - p), 3),
    age: round(age, 1),
    age_band: ageBand(age),
  };
}

/** Piecewise-linear through the knots (x ascending), extended linearly beyond the first and last segments. */
export function mapAge(age: number, knots: readonly (readonly [number, number])[]): number {
  if (knots.length === 0) return age;
  if (knots.length === 1) return age - knots[0][0] + knots[0][1];
  let k = 0;
  while (k < knots.length - 2 && age > knots[k + 1][0]) k++;
  const [x0, y0] = knots[k];
  const [x1, y1] = knots[k + 1];
  return Math.max(0, y0 + ((age - x0) * (y1 - y0)) / (x1 - x0));
}

export function estimateFace(views: readonly FaceView[], cal: Calibration = CALIBRATION): FaceEstimate {
  return calibrate(combineViews(views), cal);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
