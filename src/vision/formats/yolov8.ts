import { inputCornersToSourceBox, type Letterbox } from '../letterbox.js';
import { nms } from '../nms.js';
import type { Detection } from '../types.js';
import { expectRank, toPlanar, type FormatSpec, type TensorView } from './format.js';

/** Channel layout of an Ultralytics detection output: cx, cy, w, h, then one score per class (person first). */
const PERSON = 4;
const NMS_IOU = 0.45;

/** Ultralytics preprocessing: RGB scaled to 0..1, planar [1,3,H,W]. */
export function preprocessYolov8(rgb: Uint8Array, width: number, height: number, out: Float32Array): void {
  toPlanar(rgb, width, height, out, 'rgb', 1 / 255);
}

/** Decodes [1,4+C,N] (channel-major: value c of candidate i at c·N + i), boxes in input pixels, then NMS. */
export function decodeYolov8(output: TensorView, g: Letterbox, minScore: number): Detection[] {
  expectRank(output, 3, 'yolov8 output', '[1,84,N]');
  const [, c, n] = output.dims;
  if (c < PERSON + 1) throw new Error(`yolov8 output: expected 4 + classes channels, got ${c}`);
  const d = output.data;
  const found: Detection[] = [];
  for (let i = 0; i < n; i++) {
    const score = d[PERSON * n + i];
    if (score < minScore) continue;
    const cx = d[i];
    const cy = d[n + i];
    const hw = d[2 * n + i] / 2;
    const hh = d[3 * n + i] / 2;
    const box = inputCornersToSourceBox(g, cx - hw, cy - hh, cx + hw, cy + hh);
    if (box) found.push({ box, score, label: 'person' });
  }
  return nms(found, NMS_IOU);
}

export const yolov8: FormatSpec = {
  name: 'yolov8',
  layout: 'nchw',
  padAlign: 'center',
  padValue: 114,
  defaultConfidence: 0.25,
  outputRoles: ['output0'],
  preprocess: preprocessYolov8,
  decode: (outputs, g, minScore) => decodeYolov8(outputs[0], g, minScore),
};
