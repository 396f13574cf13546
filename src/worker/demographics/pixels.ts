import { cropResize, type Region, type RgbImage } from '../../faces/crop.js';
import type { Letterbox } from '../../vision/letterbox.js';
import type { FfmpegBinary } from '../ffmpeg-binary.js';
import { openFrames, type FrameReader } from '../ffmpeg-frames.js';
import { inputArgsFor } from '../source-kind.js';

/**
 * Where face views get their pixels: a region of the current frame in **source** pixels, cut and scaled to at most
 * `maxSide`. This is the one seam between demographics and the frame plumbing (see the README of this folder).
 */
export interface SourcePixels {
  cut(region: Region, maxSide: number): { image: RgbImage; scale: number };
}

/** Cuts from an rgb24 picture that shows the source scaled by `sx`, `sy` and offset by `ox`, `oy`. */
export function pixelsFrom(image: RgbImage, map: { sx: number; sy: number; ox: number; oy: number }): SourcePixels {
  return {
    cut([x, y, w, h], maxSide) {
      const rw = w * map.sx;
      const side = Math.max(1, Math.min(maxSide, Math.round(rw)));
      const out = new Float32Array(side * side * 3);
      cropResize(image, [x * map.sx + map.ox, y * map.sy + map.oy, rw, h * map.sy], side, out);
      const data = new Uint8Array(out.length);
      for (let i = 0; i < out.length; i++) data[i] = Math.round(out[i]);
      return { image: { width: side, height: side, data }, scale: w / side };
    },
  };
}

/** The detector's own letterboxed frame: what a live source offers until full-resolution frames reach the loop. */
export function letterboxPixels(data: Uint8Array, g: Letterbox): SourcePixels {
  const s = g.scaledWidth / g.srcWidth;
  return pixelsFrom({ width: g.inputWidth, height: g.inputHeight, data }, { sx: s, sy: g.scaledHeight / g.srcHeight, ox: g.padX, oy: g.padY });
}

/**
 * TEMPORARY PLUMBING, to be replaced by the full-resolution frames of the frame source (regions branch): a second
 * ffmpeg decodes the file at its own size, read in step with the counting loop, so that face views are cut from
 * full-resolution pixels. Files only (a camera is not opened twice).
 */
export class NativeFrameTap {
  private readonly reader: FrameReader;
  private last: { index: number; data: Uint8Array } | null = null;

  constructor(
    ffmpeg: FfmpegBinary,
    source: string,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.reader = openFrames({
      ffmpeg: ffmpeg.path,
      ffmpegVersion: ffmpeg.version,
      input: source,
      inputArgs: inputArgsFor(source),
      output: { width, height },
      bufferFrames: 2,
    });
  }

  /** Pixels of frame `number` (1-based), reading forward to it; null once the file is over. */
  async frame(number: number): Promise<SourcePixels | null> {
    while (!this.last || this.last.index + 1 < number) {
      const f = await this.reader.next();
      if (!f) return null;
      this.last = { index: f.index, data: f.data };
    }
    if (this.last.index + 1 !== number) return null;
    return pixelsFrom({ width: this.width, height: this.height, data: this.last.data }, { sx: 1, sy: 1, ox: 0, oy: 0 });
  }

  close(): void {
    this.reader.close();
  }
}
