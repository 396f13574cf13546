import type { Region, RgbImage } from '../../faces/crop.js';
import { YuvResampler, type YuvFrame } from '../../vision/resample.js';

/**
 * Where face views get their pixels: a region of the current frame in **source** pixels, cut and scaled to at most
 * `maxSide`. This is the one seam between demographics and the frame plumbing (see the README of this folder).
 */
export interface SourcePixels {
  cut(region: Region, maxSide: number): { image: RgbImage; scale: number };
}

/**
 * Cuts from the frame the worker decoded for the detector (yuv420p at the source's size, or smaller when capped):
 * only the small head regions are converted and copied out, nothing frame-sized. `source` is the size the tracks'
 * boxes are in. One resampler serves every cut, so its scratch buffers are reused.
 */
export function framePixels(frame: YuvFrame, source: { width: number; height: number }, resampler: YuvResampler): SourcePixels {
  const sx = frame.width / source.width;
  const sy = frame.height / source.height;
  return {
    cut([x, y, w, h], maxSide) {
      const side = Math.max(1, Math.min(maxSide, Math.round(w * sx)));
      const data = new Uint8Array(side * side * 3);
      resampler.resample(frame, { x: x * sx, y: y * sy, w: w * sx, h: h * sy }, data, side, { atX: 0, atY: 0, w: side, h: side });
      return { image: { width: side, height: side, data }, scale: w / side };
    },
  };
}
