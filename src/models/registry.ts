import { ensureModel, modelCacheDir } from './cache.js';
import { builtinModel, type BuiltinModelSpec } from './catalog.js';


/**
 * A built-in model ready for onnxruntime.
 *
 * `centernet` (the default person detector) as built by the converter:
 * - input  `images`  float32 [1, H, W, 3], NHWC, RGB 0..255, not normalised. H and W are free (symbolic dims)
 *   but must be multiples of 32, e.g. 384×288 or 512×384: fill it straight from ffmpeg rgb24 bytes.
 * - output `heatmap` float32 [1, 1, H/4, W/4], NCHW: person score (sigmoid) per cell; cell (x, y) at y·(W/4)+x.
 * - output `wh`      float32 [1, 4, H/4, W/4], NCHW: plane k at offset k·(H/4)·(W/4).
 * - decode: a peak is a heatmap cell ≥ its 8 neighbours; its box in input pixels is
 *   [4x − wh0, 4y − wh1, 4x + wh2, 4y + wh3] (x1, y1, x2, y2). No sub-cell offset; peaks stand in for NMS.
 */
export interface ResolvedModel {
  name: string;
  path: string;
  format: BuiltinModelSpec['format'];
  sha256: string;
  input: BuiltinModelSpec['input'];
  outputs: BuiltinModelSpec['outputs'];
}

/**
 * Verifies the built model and builds it from the npm-shipped weights when missing (a local conversion, not a
 * download). Throws ModelError with code MODEL_CORRUPT, MODEL_MISSING or MODEL_UNKNOWN.
 */
export async function resolveBuiltinModel(name = 'centernet', dir = modelCacheDir()): Promise<ResolvedModel> {
  const spec = builtinModel(name);
  const status = await ensureModel(name, dir);
  return {
    name,
    path: status.path,
    format: spec.format,
    sha256: status.manifest!.sha256,
    input: spec.input,
    outputs: spec.outputs,
  };
}
