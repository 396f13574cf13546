import { PREVIEW_DEFAULTS, type PreviewCommand } from '../protocol/commands.js';
import type { PreviewEvent, PreviewLine } from '../protocol/events.js';
import type { Box } from '../vision/types.js';
import { YuvResampler } from '../vision/resample.js';
import type { Frame } from './source.js';

/** The whole source frame as a picture that can be painted into packed rgb24 of any size up to `width`×`height`. */
export interface FramePicture {
  /** The pixels the frame holds for the whole source: asking for more would only enlarge them. */
  width: number;
  height: number;
  paint(width: number, height: number): Uint8Array;
}

/**
 * The one place that knows how the frame source lays out its pixels: yuv420p at the frame's size (the source's,
 * capped). Null for frames without pixels (those where the detector does not run).
 */
export function framePicture(frame: Frame, resampler: YuvResampler): FramePicture | null {
  if (frame.data.length === 0) return null;
  const yuv = { width: frame.width, height: frame.height, data: frame.data };
  return {
    width: frame.width,
    height: frame.height,
    paint: (w, h) => {
      const out = new Uint8Array(w * h * 3);
      resampler.resample(yuv, { x: 0, y: 0, w: frame.width, h: frame.height }, out, w, { atX: 0, atY: 0, w, h });
      return out;
    },
  };
}

/** The largest size within maxWidth × maxHeight with the source's aspect ratio (square pixels), at least 1×1. */
export function fitSize(srcWidth: number, srcHeight: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  const scale = Math.min(maxWidth / srcWidth, maxHeight / srcHeight, 1);
  return { width: Math.max(1, Math.round(srcWidth * scale)), height: Math.max(1, Math.round(srcHeight * scale)) };
}

export type PreviewBody = Omit<PreviewEvent, 'v' | 'task' | 'ts'>;

/**
 * Pictures for the dashboard, only while it asks: off costs one comparison per frame. When on, at most one frame per
 * interval is downscaled and sent, whichever frame with pixels is in hand then.
 */
export class PreviewTap {
  private settings: { width: number; height: number; intervalMs: number } | null = null;
  private lastAt = -Infinity;
  private readonly resampler = new YuvResampler();

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
    const picture = framePicture(frame, this.resampler);
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
