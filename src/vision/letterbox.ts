import type { Box } from './types.js';

/** Where the scaled image sits inside the model input when the aspect ratios differ. */
export type PadAlign = 'top-left' | 'center';

/**
 * How a source frame is fitted into the model input: scaled to `scaledWidth`×`scaledHeight` keeping its aspect
 * ratio, then padded to `inputWidth`×`inputHeight` with the image at (`padX`, `padY`). ffmpeg is given these exact
 * numbers, so the pixels the model sees and the mapping back to the source agree to the pixel.
 */
export interface Letterbox {
  srcWidth: number;
  srcHeight: number;
  inputWidth: number;
  inputHeight: number;
  scaledWidth: number;
  scaledHeight: number;
  padX: number;
  padY: number;
}

export function letterbox(srcWidth: number, srcHeight: number, inputWidth: number, inputHeight: number, align: PadAlign): Letterbox {
  for (const [name, v] of [
    ['source width', srcWidth],
    ['source height', srcHeight],
    ['input width', inputWidth],
    ['input height', inputHeight],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`letterbox: ${name} must be a positive integer, got ${v}`);
  }
  let scaledWidth = inputWidth;
  let scaledHeight = inputHeight;
  // Exact integer comparison so that 768x576 → 384x288 is never letterboxed by a rounding error.
  if (srcWidth * inputHeight !== srcHeight * inputWidth) {
    const r = Math.min(inputWidth / srcWidth, inputHeight / srcHeight);
    scaledWidth = Math.max(1, Math.min(inputWidth, Math.round(srcWidth * r)));
    scaledHeight = Math.max(1, Math.min(inputHeight, Math.round(srcHeight * r)));
  }
  const padX = align === 'center' ? Math.floor((inputWidth - scaledWidth) / 2) : 0;
  const padY = align === 'center' ? Math.floor((inputHeight - scaledHeight) / 2) : 0;
  return { srcWidth, srcHeight, inputWidth, inputHeight, scaledWidth, scaledHeight, padX, padY };
}

/**
 * Maps corners given in model-input pixels to a source-pixel box, clipped to the source frame.
 * Returns null when nothing of the box is left inside the frame.
 */
export function inputCornersToSourceBox(g: Letterbox, x1: number, y1: number, x2: number, y2: number): Box | null {
  const sx = g.srcWidth / g.scaledWidth;
  const sy = g.srcHeight / g.scaledHeight;
  const ax = clamp((x1 - g.padX) * sx, 0, g.srcWidth);
  const ay = clamp((y1 - g.padY) * sy, 0, g.srcHeight);
  const bx = clamp((x2 - g.padX) * sx, 0, g.srcWidth);
  const by = clamp((y2 - g.padY) * sy, 0, g.srcHeight);
  if (bx <= ax || by <= ay) return null;
  return [ax, ay, bx - ax, by - ay];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
