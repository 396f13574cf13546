/**
 * The development chips of ../shared/data/faces as the demographics benches use them: FaceRes's raw numbers per chip
 * (optionally after shrinking the chip to a CCTV-like size), and the figures a set of calibrations gets on them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaceAnalyser } from '../src/faces/analyser.js';
import type { Calibration, LabelledRaw } from '../src/faces/calibration.js';
import type { RgbImage } from '../src/faces/crop.js';
import { ageBand, calibrate, combineViews } from '../src/faces/estimate.js';
import { decodeImage } from '../src/faces/image.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';

export const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '../shared/data');

export interface Chip extends LabelledRaw {
  file: string;
}

export interface Score {
  acc: number;
  withheld: number;
  mae: number;
  band: number;
  n: number;
}

/**
 * Box-filtered shrink of a square-ish image to `side` pixels on its longer side: what a face far from a camera gives
 * (optics and sensor average the light; a bilinear shrink would alias instead). FaceRes then enlarges it to 224 as
 * the worker does with a small head.
 */
export function shrink(img: RgbImage, side: number): RgbImage {
  const f = Math.max(img.width, img.height) / side;
  if (f <= 1) return img;
  const width = Math.max(1, Math.round(img.width / f));
  const height = Math.max(1, Math.round(img.height / f));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * img.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * img.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / width));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let v = y0; v < y1; v++) for (let u = x0; u < x1; u++) sum += img.data[(v * img.width + u) * 3 + c];
        data[(y * width + x) * 3 + c] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return { width, height, data };
}

/** FaceRes's raw numbers for every labelled chip (in the order of labels.csv), shrunk to `side` pixels if given. */
export async function chipsOf(analyser: FaceAnalyser, side?: number): Promise<Chip[]> {
  const dir = path.join(DATA, 'faces');
  const rows = readFileSync(path.join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const ffmpeg = await resolveFfmpeg({});
  const chips: Chip[] = [];
  for (let i = 0; i < rows.length; i += 8) {
    const batch = rows.slice(i, i + 8);
    const images: RgbImage[] = [];
    for (const [file] of batch) {
      const image = await decodeImage(ffmpeg, path.join(dir, file));
      images.push(side ? shrink(image, side) : image);
    }
    const views = await analyser.describe(images.map((image) => ({ image })));
    batch.forEach(([file, age, gender], k) => chips.push({ file, age: Number(age), male: gender === 'male', raw: combineViews([views[k]]) }));
  }
  return chips;
}

/** Gender accuracy on the decided chips, withheld share, age MAE and age-band accuracy; chip i under `cals[i]`. */
export function score(chips: readonly Chip[], cals: readonly Calibration[]): Score {
  let decided = 0;
  let right = 0;
  let err = 0;
  let bandRight = 0;
  chips.forEach((c, i) => {
    const e = calibrate(c.raw, cals[i]);
    if (e.gender) {
      decided++;
      if ((e.gender === 'male') === c.male) right++;
    }
    err += Math.abs((e.age ?? 0) - c.age);
    if (e.age_band === ageBand(c.age)) bandRight++;
  });
  const n = chips.length;
  return { acc: right / Math.max(1, decided), withheld: 1 - decided / n, mae: err / n, band: bandRight / n, n };
}
