import { inputCornersToSourceBox, type Letterbox } from '../letterbox.js';
import { nms } from '../nms.js';
import type { Detection } from '../types.js';
import { expectRank, toPlanar, type FormatSpec, type TensorView } from './format.js';

const STRIDES = [8, 16, 32] as const;
/** Row layout of a YOLOX prediction: x, y, log w, log h, objectness, then the class scores (person first). */
const OBJ = 4;
const PERSON = 5;
const NMS_IOU = 0.45;

/** YOLOX's own preprocessing: BGR, 0..255, planar [1,3,H,W]. */
export function preprocessYolox(rgb: Uint8Array, width: number, height: number, out: Float32Array): void {
  toPlanar(rgb, width, height, out, 'bgr', 1);
}

/**
 * Decodes a raw YOLOX head output [1,N,5+C] (exported without `decode_in_inference`): rows run over the stride-8,
 * then 16, then 32 grids, row-major. Centre = (offset + cell)·stride, size = exp(log size)·stride, score =
 * objectness × person score (both already sigmoid in the export).
 */
export function decodeYolox(output: TensorView, g: Letterbox, minScore: number): Detection[] {
  expectRank(output, 3, 'yolox output', '[1,N,85]');
  const [, n, k] = output.dims;
  if (k < PERSON + 1) throw new Error(`yolox output: expected 5 + classes values per row, got ${k}`);
  const expected = STRIDES.reduce((sum, s) => sum + (g.inputHeight / s) * (g.inputWidth / s), 0);
  if (n !== expected) {
    throw new Error(`yolox output: ${n} rows do not match input ${g.inputWidth}x${g.inputHeight} (expected ${expected} for strides 8,16,32)`);
  }
  const d = output.data;
  const found: Detection[] = [];
  let row = 0;
  for (const s of STRIDES) {
    const gw = g.inputWidth / s;
    const gh = g.inputHeight / s;
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const o = row * k;
        const score = d[o + OBJ] * d[o + PERSON];
        if (score < minScore) continue;
        const cx = (d[o] + gx) * s;
        const cy = (d[o + 1] + gy) * s;
        const hw = (Math.exp(d[o + 2]) * s) / 2;
        const hh = (Math.exp(d[o + 3]) * s) / 2;
        const box = inputCornersToSourceBox(g, cx - hw, cy - hh, cx + hw, cy + hh);
        if (box) found.push({ box, score, label: 'person' });
      }
    }
  }
  return nms(found, NMS_IOU);
}

export const yolox: FormatSpec = {
  name: 'yolox',
  layout: 'nchw',
  padAlign: 'top-left',
  padValue: 114,
  defaultConfidence: 0.3,
  outputRoles: ['output'],
  preprocess: preprocessYolox,
  decode: (outputs, g, minScore) => decodeYolox(outputs[0], g, minScore),
};
