import type { Letterbox } from '../vision/letterbox.js';
import type { Detection } from '../vision/types.js';
import { createDetector, type DetectorOptions } from './detector.js';
import { WorkerError } from './errors.js';
import { toFrameLayout, type FrameLayout, type FrameReaderOptions } from './ffmpeg-args.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { openFrames } from './ffmpeg-frames.js';
import type { SourceInfo } from './ffmpeg-header.js';
import { probeSource } from './ffmpeg-probe.js';
import { checkLocalSource, inputArgsFor, sourceError } from './source-kind.js';

/** Which frame: a 1-based frame number, or a time in seconds (ffmpeg seeks, then takes the next frame). */
export type FrameChoice = { frame: number } | { at: number };

export interface GrabbedFrame {
  info: SourceInfo;
  /** 1-based number of the frame taken (from the time and the frame rate for `at`; null when the rate is unknown). */
  number: number | null;
  /** rgb24 at the source's own size. */
  rgb: Uint8Array;
  /** People found on it, boxes in source pixels. */
  detections: Detection[];
}

/**
 * One frame of a source at its full size, and the detector's view of the same frame. ffmpeg decodes it twice (once
 * scaled for the model exactly as the worker does), so the boxes are the ones a worker would see on that frame.
 * `frameRate`: an image sequence's, as the worker reads it (`at` seconds are frames at that rate, not ffmpeg's 25).
 */
export async function grabFrame(ffmpeg: FfmpegBinary, source: string, choice: FrameChoice, detector: DetectorOptions, frameRate?: number): Promise<GrabbedFrame> {
  await checkLocalSource(source);
  const base = { ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source, inputArgs: inputArgsFor(source, false, frameRate) };
  let info: SourceInfo;
  try {
    info = await probeSource(base);
  } catch (err) {
    throw sourceError(err);
  }
  // ffmpeg seeks past the end without a complaint and then decodes nothing: say which of the two was wrong.
  if ('at' in choice && info.duration !== null && choice.at >= info.duration) {
    throw new WorkerError('BAD_ARGUMENT', `${source} has no frame at ${choice.at} s (it is ${info.duration} s long)`);
  }
  const det = await createDetector({ ...detector, sourceWidth: info.width, sourceHeight: info.height });
  try {
    // Deinterlaced as the worker reads it (source.ts).
    const read = { ...base, deinterlace: info.interlaced };
    const full = await readOne(read, { width: info.width, height: info.height }, choice, source);
    const g: Letterbox = det.geometryFor(info.width, info.height);
    const small = await readOne(read, toFrameLayout(g, det.padValue), choice, source);
    const detections = await det.detect(small.data, g);
    const number = 'frame' in choice ? choice.frame : info.fps ? full.index + 1 : null;
    return { info, number, rgb: full.data, detections };
  } finally {
    await det.release();
  }
}

/**
 * Frame N is the second frame of "every (N−1)th from the first" (ffmpeg's select filter drops the rest before they
 * are scaled or piped), so nothing but the wanted frame crosses the pipe at full size.
 */
async function readOne(base: Omit<FrameReaderOptions, 'output'>, output: FrameLayout, choice: FrameChoice, source: string) {
  const n = 'frame' in choice ? choice.frame : 1;
  const reader = openFrames({
    ...base,
    output,
    every: Math.max(1, n - 1),
    maxFrames: n === 1 ? 1 : 2,
    startSeconds: 'at' in choice ? choice.at : undefined,
  });
  try {
    let last = null;
    for (let f = await reader.next(); f; f = await reader.next()) last = f;
    const wanted = 'frame' in choice ? choice.frame - 1 : null;
    if (!last || (wanted !== null && last.index !== wanted)) {
      const where = 'frame' in choice ? `frame ${choice.frame}` : `${choice.at} s`;
      throw new WorkerError('BAD_ARGUMENT', `${source} has no frame at ${where} (it is shorter)`);
    }
    return last;
  } catch (err) {
    throw sourceError(err);
  } finally {
    reader.close();
  }
}
