import type { Box } from './types.js';

/**
 * A small appearance cue for telling people apart in a crowd: the colours of the upper body and of the legs, as two
 * normalised histograms over a coarse chroma/brightness grid. It is cheap (a few hundred sampled pixels per box), works
 * at any resolution where a person is some 30 pixels tall, and keeps no picture of anyone.
 */

/** A frame's pixels: packed rgb24, or planar yuv420p (Y plane, then U and V at half resolution). */
export interface PixelView {
  format: 'rgb24' | 'yuv420p';
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where the frame's pixels sit relative to source coordinates: pixel = source · scale + offset. */
export interface PixelMapping {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

export const IDENTITY_MAPPING: Readonly<PixelMapping> = Object.freeze({ scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 });

/** Brightness levels × two chroma axes with this many levels each: 3 × 4 × 4 = 48 bins per body part. */
const LUMA_BINS = 3;
const CHROMA_BINS = 4;
const PART_BINS = LUMA_BINS * CHROMA_BINS * CHROMA_BINS;
export const APPEARANCE_LENGTH = 2 * PART_BINS;
/** Samples per body part along each axis (at most): enough for a stable histogram, cheap for big boxes. */
const GRID = 12;

/** Body parts as fractions of the box: the upper body and the legs, the middle 60 % of the width (less background). */
const PARTS: readonly [top: number, bottom: number][] = [
  [0.15, 0.5],
  [0.5, 0.9],
];
const SIDE_MARGIN = 0.2;

function binOf(y: number, u: number, v: number): number {
  const l = Math.min(LUMA_BINS - 1, Math.floor((y * LUMA_BINS) / 256));
  const a = Math.min(CHROMA_BINS - 1, Math.floor((u * CHROMA_BINS) / 256));
  const b = Math.min(CHROMA_BINS - 1, Math.floor((v * CHROMA_BINS) / 256));
  return (l * CHROMA_BINS + a) * CHROMA_BINS + b;
}

/** YUV (BT.601, full range) of an rgb24 pixel, so both formats land in the same bins. */
function rgbBin(data: Uint8Array, i: number): number {
  const r = data[i];
  const g = data[i + 1];
  const b = data[i + 2];
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return binOf(y, u, v);
}

function sampleBin(p: PixelView, x: number, y: number): number {
  if (p.format === 'rgb24') return rgbBin(p.data, (y * p.width + x) * 3);
  const cw = p.width >> 1;
  const ch = p.height >> 1;
  const ci = (y >> 1) * cw + (x >> 1);
  const uBase = p.width * p.height;
  return binOf(p.data[y * p.width + x], p.data[uBase + ci], p.data[uBase + cw * ch + ci]);
}

/**
 * The appearance of the person in `box` (source coordinates), or null when the box covers too few pixels to say
 * (under 8 pixels wide or 20 tall in the frame) or lies mostly outside it.
 */
export function describeAppearance(p: PixelView, box: Box, m: PixelMapping = IDENTITY_MAPPING): Float32Array | null {
  const x0 = box[0] * m.scaleX + m.offsetX;
  const y0 = box[1] * m.scaleY + m.offsetY;
  const w = box[2] * m.scaleX;
  const h = box[3] * m.scaleY;
  if (!(w >= 8 && h >= 20)) return null;
  const out = new Float32Array(APPEARANCE_LENGTH);
  const left = x0 + SIDE_MARGIN * w;
  const span = (1 - 2 * SIDE_MARGIN) * w;
  const cols = Math.min(GRID, Math.max(2, Math.floor(span)));
  for (let part = 0; part < PARTS.length; part++) {
    const [top, bottom] = PARTS[part];
    const rows = Math.min(GRID, Math.max(2, Math.floor((bottom - top) * h)));
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const y = Math.floor(y0 + (top + ((bottom - top) * (r + 0.5)) / rows) * h);
      if (y < 0 || y >= p.height) continue;
      for (let c = 0; c < cols; c++) {
        const x = Math.floor(left + (span * (c + 0.5)) / cols);
        if (x < 0 || x >= p.width) continue;
        out[part * PART_BINS + sampleBin(p, x, y)] += 1;
        n += 1;
      }
    }
    if (n < (rows * cols) / 2) return null;
    for (let k = 0; k < PART_BINS; k++) out[part * PART_BINS + k] /= n;
  }
  return out;
}

/**
 * Dissimilarity of two appearances in [0, 1]: the Hellinger distance of the histograms, averaged over the two body
 * parts (0 = the same colours, 1 = no colour in common).
 */
export function appearanceDistance(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let part = 0; part < 2; part++) {
    let bc = 0;
    for (let k = part * PART_BINS; k < (part + 1) * PART_BINS; k++) bc += Math.sqrt(a[k] * b[k]);
    total += Math.sqrt(Math.max(0, 1 - bc));
  }
  return total / 2;
}

/** Moves a track's appearance towards a new observation (exponential average; `keep` of the old one stays). */
export function blendAppearance(track: Float32Array, seen: Float32Array, keep: number): void {
  for (let k = 0; k < track.length; k++) track[k] = keep * track[k] + (1 - keep) * seen[k];
}
