import { inputCornersToSourceBox, type Letterbox } from '../letterbox.js';
import type { Detection } from '../types.js';
import { expectRank, type FormatSpec, type TensorView } from './format.js';

/** COCO class 0 is the person channel of the heatmap (the built-in model keeps only that channel). */
const PERSON = 0;

/** NHWC float input in 0..255: the rgb24 bytes are the tensor, only widened to float. */
export function preprocessCenternet(rgb: Uint8Array, width: number, height: number, out: Float32Array): void {
  const n = width * height * 3;
  if (rgb.length < n || out.length < n) throw new RangeError(`centernet: frame ${width}x${height} needs ${n} bytes and floats`);
  out.set(rgb.length === n ? rgb : rgb.subarray(0, n));
}

/**
 * Decodes the heatmap [1,C,h,w] (sigmoid scores, person = channel 0) and the box sizes [1,4,h,w].
 * A detection is a heatmap cell that is ≥ threshold and ≥ its 8 neighbours; its box in input pixels is
 * [s·x − wh0, s·y − wh1, s·x + wh2, s·y + wh3] with s the output stride (4), then mapped to source pixels.
 */
export function decodeCenternet(heatmap: TensorView, wh: TensorView, g: Letterbox, minScore: number): Detection[] {
  expectRank(heatmap, 4, 'centernet heatmap', '[1,C,H/4,W/4]');
  expectRank(wh, 4, 'centernet wh', '[1,4,H/4,W/4]');
  const [, , h, w] = heatmap.dims;
  if (wh.dims[1] !== 4 || wh.dims[2] !== h || wh.dims[3] !== w) {
    throw new Error(`centernet wh: expected [1,4,${h},${w}], got [${wh.dims.join(',')}]`);
  }
  const stride = g.inputWidth / w;
  const plane = h * w;
  const heat = heatmap.data.subarray(PERSON * plane, (PERSON + 1) * plane);
  const sizes = wh.data;
  const out: Detection[] = [];
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const v = heat[row + x];
      if (v < minScore || !isPeak(heat, w, h, x, y, v)) continue;
      const i = row + x;
      const cx = stride * x;
      const cy = stride * y;
      const box = inputCornersToSourceBox(
        g,
        cx - sizes[i],
        cy - sizes[plane + i],
        cx + sizes[2 * plane + i],
        cy + sizes[3 * plane + i],
      );
      if (box) out.push({ box, score: v, label: 'person' });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

function isPeak(heat: Float32Array, w: number, h: number, x: number, y: number, v: number): boolean {
  const y0 = y > 0 ? y - 1 : y;
  const y1 = y < h - 1 ? y + 1 : y;
  const x0 = x > 0 ? x - 1 : x;
  const x1 = x < w - 1 ? x + 1 : x;
  for (let yy = y0; yy <= y1; yy++) {
    for (let xx = x0; xx <= x1; xx++) {
      if (heat[yy * w + xx] > v) return false;
    }
  }
  return true;
}

export const centernet: FormatSpec = {
  name: 'centernet',
  layout: 'nhwc',
  padAlign: 'top-left',
  padValue: 0,
  defaultConfidence: 0.3,
  outputRoles: ['heatmap', 'wh'],
  preprocess: preprocessCenternet,
  decode: (outputs, g, minScore) => decodeCenternet(outputs[0], outputs[1], g, minScore),
};
