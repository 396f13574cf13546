import { BLAZEFACE_ONNX } from '../models/faces.js';
import { iou } from '../vision/geometry.js';
import type { Box } from '../vision/types.js';

/** A face found by BlazeFace, in the pixels of the image it was given. */
export interface FaceBox {
  box: Box;
  score: number;
  /** Right eye, left eye, nose, mouth, right ear, left ear (BlazeFace order), as [x, y]. */
  keypoints: [number, number][];
}

export interface BlazefaceOutputs {
  /** Per grid (in BLAZEFACE_ONNX.grids order): score logits [anchors] and regressors [anchors × 16] of one image. */
  scores: Float32Array[];
  boxes: Float32Array[];
}

/** Anchor centres in input pixels, one per output row, grid by grid (as the model orders them). */
export function anchorCentres(): Float32Array[] {
  const size = BLAZEFACE_ONNX.size;
  return BLAZEFACE_ONNX.grids.map(({ stride, anchors }) => {
    const cells = Math.ceil(size / stride);
    const out = new Float32Array(cells * cells * anchors * 2);
    let k = 0;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let a = 0; a < anchors; a++) {
          out[k++] = stride * (gx + 0.5);
          out[k++] = stride * (gy + 0.5);
        }
      }
    }
    return out;
  });
}

const ANCHORS = anchorCentres();

export interface DecodeOptions {
  /** Minimum score (after the sigmoid). */
  minScore: number;
  /** Boxes overlapping a better one by more than this are dropped. */
  iouThreshold: number;
  maxFaces: number;
}

export const DEFAULT_DECODE: DecodeOptions = { minScore: 0.5, iouThreshold: 0.3, maxFaces: 20 };

/**
 * Faces of one image given to the model as `mapping` says: the model input pixel (u, v) shows the image pixel
 * (u · scale + x0, v · scale + y0). Scores are the anchors' sigmoid; overlapping boxes are suppressed greedily.
 */
export function decodeBlazeface(out: BlazefaceOutputs, mapping: { x0: number; y0: number; scale: number }, opts: DecodeOptions = DEFAULT_DECODE): FaceBox[] {
  const minLogit = Math.log(opts.minScore / (1 - opts.minScore));
  const found: FaceBox[] = [];
  out.scores.forEach((scores, g) => {
    const anchors = ANCHORS[g];
    const boxes = out.boxes[g];
    for (let i = 0; i < scores.length; i++) {
      if (!(scores[i] >= minLogit)) continue;
      const r = boxes.subarray(i * 16, i * 16 + 16);
      const ax = anchors[2 * i];
      const ay = anchors[2 * i + 1];
      const map = (u: number, v: number): [number, number] => [u * mapping.scale + mapping.x0, v * mapping.scale + mapping.y0];
      const [x, y] = map(ax + r[0] - r[2] / 2, ay + r[1] - r[3] / 2);
      const keypoints = Array.from({ length: 6 }, (_, k) => map(ax + r[4 + 2 * k], ay + r[5 + 2 * k]));
      found.push({ box: [x, y, r[2] * mapping.scale, r[3] * mapping.scale], score: 1 / (1 + Math.exp(-scores[i])), keypoints });
    }
  });
  found.sort((a, b) => b.score - a.score);
  const kept: FaceBox[] = [];
  for (const f of found) {
    if (kept.length >= opts.maxFaces) break;
    if (kept.every((k) => iou(k.box, f.box) <= opts.iouThreshold)) kept.push(f);
  }
  return kept;
}
