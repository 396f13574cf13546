import { PREVIEW_DEFAULTS, type PreviewCommand } from '../protocol/commands.js';
import type { PreviewEvent, PreviewLine } from '../protocol/events.js';
import type { Box } from '../vision/types.js';
import type { Frame } from './source.js';

/** The whole source frame as a picture that can be painted into packed rgb24 of any size up to `width`×`height`. */
export interface FramePicture {
  /** The pixels the frame holds for the whole source: asking for more would only enlarge them. */
  width: number;
  height: number;
  paint(width: number, height: number): Uint8Array;
}

/**
 * The one place that knows how the frame source lays out its pixels: today the detector's letterboxed rgb24 input.
 * When frames change shape (source-size yuv420p for crops), only this adapter changes. Null for frames without
 * pixels (those ffmpeg skipped for --skip-frames).
 */
export function framePicture(frame: Frame): FramePicture | null {
  if (frame.data.length === 0) return null;
  const g = frame.geometry;
  const pixels: FramePixels = { data: frame.data, width: g.inputWidth, height: g.inputHeight, region: { x: g.padX, y: g.padY, width: g.scaledWidth, height: g.scaledHeight } };
  return { width: g.scaledWidth, height: g.scaledHeight, paint: (w, h) => downscale(pixels, w, h) };
}

/** Packed rgb24 pixels and the rectangle of them that shows the whole source frame (the rest is padding). */
export interface FramePixels {
  data: Uint8Array;
  width: number;
  height: number;
  region: { x: number; y: number; width: number; height: number };
}

/** The largest size within maxWidth × maxHeight with the source's aspect ratio (square pixels), at least 1×1. */
export function fitSize(srcWidth: number, srcHeight: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  const scale = Math.min(maxWidth / srcWidth, maxHeight / srcHeight, 1);
  return { width: Math.max(1, Math.round(srcWidth * scale)), height: Math.max(1, Math.round(srcHeight * scale)) };
}

/** Area average of the source region into width × height pixels: every source pixel counts once, so edges do not alias. */
export function downscale(px: FramePixels, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const { x: rx, y: ry, width: rw, height: rh } = px.region;
  const xEdges = edges(rw, width);
  const yEdges = edges(rh, height);
  const sums = new Float64Array(width * 3);
  for (let ty = 0; ty < height; ty++) {
    sums.fill(0);
    const y0 = yEdges[ty];
    const y1 = yEdges[ty + 1];
    for (let sy = y0; sy < y1; sy++) {
      const row = ((ry + sy) * px.width + rx) * 3;
      for (let tx = 0; tx < width; tx++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sx = xEdges[tx]; sx < xEdges[tx + 1]; sx++) {
          const i = row + sx * 3;
          r += px.data[i];
          g += px.data[i + 1];
          b += px.data[i + 2];
        }
        sums[tx * 3] += r;
        sums[tx * 3 + 1] += g;
        sums[tx * 3 + 2] += b;
      }
    }
    for (let tx = 0; tx < width; tx++) {
      const n = (y1 - y0) * (xEdges[tx + 1] - xEdges[tx]);
      const o = (ty * width + tx) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = n > 0 ? Math.round(sums[tx * 3 + c] / n) : 0;
    }
  }
  return out;
}

/** Source pixel boundaries of `parts` equal parts of `size` pixels; every part gets at least one pixel when possible. */
function edges(size: number, parts: number): Int32Array {
  const e = new Int32Array(parts + 1);
  for (let i = 0; i <= parts; i++) e[i] = Math.min(size, Math.round((i * size) / parts));
  for (let i = 1; i <= parts; i++) if (e[i] <= e[i - 1] && e[i - 1] < size) e[i] = e[i - 1] + 1;
  return e;
}

export type PreviewBody = Omit<PreviewEvent, 'v' | 'task' | 'ts'>;

/**
 * Pictures for the dashboard, only while it asks: off costs one comparison per frame. When on, at most one frame per
 * interval is downscaled and sent, whichever frame with pixels is in hand then.
 */
export class PreviewTap {
  private settings: { width: number; height: number; intervalMs: number } | null = null;
  private lastAt = -Infinity;

  set(command: PreviewCommand): void {
    if (!command.on) {
      this.settings = null;
      return;
    }
    this.settings = {
      width: command.width ?? PREVIEW_DEFAULTS.width,
      height: command.height ?? PREVIEW_DEFAULTS.height,
      intervalMs: command.interval_ms ?? PREVIEW_DEFAULTS.interval_ms,
    };
    // Switched on (or resized): the first picture goes out with the next frame.
    this.lastAt = -Infinity;
  }

  get on(): boolean {
    return this.settings !== null;
  }

  /** A preview of this frame when one is due, else null. */
  offer(
    frame: Frame,
    now: number,
    source: { width: number; height: number },
    tracks: () => { id: number; box: Box }[],
    lines: () => PreviewLine[],
  ): PreviewBody | null {
    const s = this.settings;
    if (!s || now - this.lastAt < s.intervalMs) return null;
    const picture = framePicture(frame);
    if (!picture) return null;
    const size = fitSize(source.width, source.height, Math.min(s.width, picture.width), Math.min(s.height, picture.height));
    const data = picture.paint(size.width, size.height);
    // Counted from when the picture is ready, so that two pictures are never closer than the interval when sent.
    this.lastAt = performance.now();
    return {
      type: 'preview',
      frame: frame.number,
      pts: Math.round(frame.pts * 1000) / 1000,
      width: size.width,
      height: size.height,
      encoding: 'rgb24-base64',
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      source_width: source.width,
      source_height: source.height,
      tracks: tracks().map((t) => ({ id: t.id, box: t.box.map((v) => Math.round(v * 10) / 10) as Box })),
      lines: lines(),
    };
  }
}
