import type { Letterbox, PadAlign } from '../letterbox.js';
import type { Detection } from '../types.js';

export type ModelFormatName = 'centernet' | 'yolox' | 'yolov8';

export const MODEL_FORMATS: readonly ModelFormatName[] = ['centernet', 'yolox', 'yolov8'];

/** A model output as onnxruntime hands it over: flat data in row-major order plus its dimensions. */
export interface TensorView {
  data: Float32Array;
  dims: readonly number[];
}

/** What the detector needs to know about a model format: how to lay out the input and read the outputs. */
export interface FormatSpec {
  name: ModelFormatName;
  /** Input tensor layout: NHWC [1,H,W,3] or NCHW [1,3,H,W]. */
  layout: 'nhwc' | 'nchw';
  padAlign: PadAlign;
  /** Grey level (0..255, all three channels) of the letterbox padding, which ffmpeg paints. */
  padValue: number;
  /** Score threshold used when the user gives none. */
  defaultConfidence: number;
  /** Fills `out` (length 3·W·H) from packed rgb24 bytes of a W×H frame. */
  preprocess(rgb: Uint8Array, width: number, height: number, out: Float32Array): void;
  /** Person detections in source pixels with score ≥ `minScore`; `outputs` ordered as `outputRoles` lists them. */
  decode(outputs: readonly TensorView[], g: Letterbox, minScore: number): Detection[];
  /** Names (or roles) of the outputs `decode` expects, in order. */
  outputRoles: readonly string[];
}

export function isModelFormat(name: string): name is ModelFormatName {
  return (MODEL_FORMATS as readonly string[]).includes(name);
}

/** Throws when a tensor does not have the expected rank; the message names the tensor and both shapes. */
export function expectRank(t: TensorView, rank: number, what: string, expected: string): void {
  if (t.dims.length !== rank || t.dims[0] !== 1) {
    throw new Error(`${what}: expected shape ${expected}, got [${t.dims.join(',')}]`);
  }
}

/** Packed rgb24 → planar [3,H,W] floats, channels in `order`, each byte multiplied by `scale`. */
export function toPlanar(rgb: Uint8Array, width: number, height: number, out: Float32Array, order: 'rgb' | 'bgr', scale: number): void {
  const plane = width * height;
  if (rgb.length < plane * 3 || out.length < plane * 3) {
    throw new RangeError(`frame ${width}x${height} needs ${plane * 3} bytes and floats`);
  }
  const first = order === 'rgb' ? 0 : 2 * plane;
  const third = order === 'rgb' ? 2 * plane : 0;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[first + i] = rgb[j] * scale;
    out[plane + i] = rgb[j + 1] * scale;
    out[third + i] = rgb[j + 2] * scale;
  }
}
