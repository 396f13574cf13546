import type { FormatSpec } from '../vision/formats/format.js';
import { DetectorError } from './detector-error.js';

export interface InputSize {
  width: number;
  height: number;
}

/** All three formats downsample by 32, so both sides must be multiples of it. */
const STEP = 32;
const MAX_SIDE = 4096;
/** Long side of the centernet input when none is given; picked from the bench:detect table. */
export const CENTERNET_LONG_SIDE = 384;
const YOLO_DEFAULT: InputSize = { width: 640, height: 640 };

/** "384x288" → { width: 384, height: 288 }; anything else is a BAD_INPUT_SIZE naming the value. */
export function parseInputSize(text: string): InputSize {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  if (!m) throw new DetectorError('BAD_INPUT_SIZE', `--input-size "${text}" is not WxH (for example 384x288)`);
  return checkSize({ width: Number(m[1]), height: Number(m[2]) }, text);
}

function checkSize(size: InputSize, text = `${size.width}x${size.height}`): InputSize {
  for (const side of [size.width, size.height]) {
    if (!Number.isInteger(side) || side < STEP || side > MAX_SIDE || side % STEP !== 0) {
      throw new DetectorError(
        'BAD_INPUT_SIZE',
        `--input-size ${text}: width and height must be multiples of ${STEP} from ${STEP} to ${MAX_SIDE}`,
      );
    }
  }
  return size;
}

/**
 * The model input size: the one asked for (checked against a model with a fixed size), else the model's fixed size,
 * else `fallback` (the worker's largest tile), else for centernet the long side CENTERNET_LONG_SIDE with the short side following the source aspect (768x576 →
 * 384x288, no letterbox), else 640x640.
 */
export function chooseInputSize(
  spec: FormatSpec,
  model: { width: number | null; height: number | null },
  requested: InputSize | undefined,
  srcWidth?: number,
  srcHeight?: number,
  fallback?: InputSize,
): InputSize {
  const fixed = model.width !== null && model.height !== null ? { width: model.width, height: model.height } : null;
  if (requested) {
    checkSize(requested);
    if (fixed && (fixed.width !== requested.width || fixed.height !== requested.height)) {
      throw new DetectorError(
        'BAD_INPUT_SIZE',
        `--input-size ${requested.width}x${requested.height}: this model has a fixed input of ${fixed.width}x${fixed.height}`,
      );
    }
    return requested;
  }
  if (fixed) return fixed;
  if (fallback) return checkSize(fallback);
  if (spec.name !== 'centernet') return YOLO_DEFAULT;
  const aspect = srcWidth && srcHeight ? srcWidth / srcHeight : 4 / 3;
  const short = (long: number, ratio: number) => Math.max(STEP, Math.round(long / ratio / STEP) * STEP);
  return aspect >= 1
    ? { width: CENTERNET_LONG_SIDE, height: Math.min(CENTERNET_LONG_SIDE, short(CENTERNET_LONG_SIDE, aspect)) }
    : { width: Math.min(CENTERNET_LONG_SIDE, short(CENTERNET_LONG_SIDE, 1 / aspect)), height: CENTERNET_LONG_SIDE };
}
