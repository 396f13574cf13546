import { AGE_BAND_NAMES, type AgeBandName, type Gender } from '../protocol/events.js';
import { CALIBRATION, genderProbability, mapAge, type Calibration } from './calibration.js';

/** What FaceRes said about one view of a face: P(male) per orientation, and the age distribution over 0..99. */
export interface FaceView {
  male: number[];
  age: Float32Array;
}

export const AGE_BANDS = AGE_BAND_NAMES;
export type AgeBand = AgeBandName;
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
export const FACE_CROP = { scale: 1.29, shiftY: 0.07 } as const;

/**
 * An aligned chip is given as a square of `ALIGNED_CROP` × its side around its centre (the outside repeats the edge).
 * The bare chip (1.0) because, with FaceRes's Caffe input, it beat 1.2 × on the development chips (cross-validated,
 * under the earlier ridge-1 fit: gender 0.922 with 9.0 % withheld against 0.919 with 9.4 %; with RGB input 1.2 had
 * been best). Under the shipped calibration the bare chip gives 0.923 with 7.3 % withheld, age MAE 7.39 (README,
 * "Who crossed").
 * On those chips BlazeFace's box is 1/1.29 of the chip side, centred 0.07 box heights above the chip's centre,
 * which is where FACE_CROP comes from (1.0 × 1.29).
 */
export const ALIGNED_CROP = 1;

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

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

/** Applies the calibration: a logistic rescaling of the gender logit (with its age offset) and a map of the age. */
export function calibrate(raw: RawEstimate, cal: Calibration = CALIBRATION): FaceEstimate {
  const p = genderProbability(raw, cal.gender);
  const age = mapAge(raw.age, cal.age.knots);
  // FaceRes cannot tell the gender of young children (chance level on the 0-12 chips): no gender below minAge.
  const sure = Math.abs(p - 0.5) >= cal.gender.withhold && age >= cal.gender.minAge;
  return {
    gender: sure ? (p > 0.5 ? 'male' : 'female') : null,
    gender_score: round(Math.max(p, 1 - p), 3),
    age: round(age, 1),
    age_band: ageBand(age),
  };
}

export function estimateFace(views: readonly FaceView[], cal: Calibration = CALIBRATION): FaceEstimate {
  return calibrate(combineViews(views), cal);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
