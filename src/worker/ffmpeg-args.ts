import type { Letterbox } from '../vision/letterbox.js';
import { knownFeatures, type FfmpegFeatures } from './ffmpeg-binary.js';
import { describeSource } from '../sources/kind.js';
import { ffmpegInput } from './ffmpeg-input.js';

/** The ffmpeg command line of a frame reader: input options, the scale/pad filter, raw rgb24 on stdout. */

export interface FrameLayout {
  /** Size of the frames handed out. */
  width: number;
  height: number;
  /** Size the picture is scaled to inside the frame (default: the whole frame, aspect not kept). */
  scaledWidth?: number;
  scaledHeight?: number;
  /** Where the scaled picture sits; the rest is painted with `padValue` (grey level 0..255). */
  padX?: number;
  padY?: number;
  padValue?: number;
}

/**
 * Frames at the source's own size (the long side capped at `maxSide`), planar yuv420p as decoded: the crop planner's
 * tiles are cut and resized from them (src/vision/resample.ts). The size is read from ffmpeg's output header.
 */
export interface NativeFrames {
  kind: 'native';
  maxSide: number;
}

export type FrameOutput = FrameLayout | NativeFrames;

export function isNative(o: FrameOutput): o is NativeFrames {
  return (o as NativeFrames).kind === 'native';
}

/** The frame layout ffmpeg must produce for a detector's letterbox geometry. */
export function toFrameLayout(g: Letterbox, padValue: number): FrameLayout {
  return {
    width: g.inputWidth,
    height: g.inputHeight,
    scaledWidth: g.scaledWidth,
    scaledHeight: g.scaledHeight,
    padX: g.padX,
    padY: g.padY,
    padValue,
  };
}

/** How long a reader waits for a source's header and first frame unless told otherwise. */
export const DEFAULT_OPEN_TIMEOUT_MS = 15_000;

export interface FrameReaderOptions {
  ffmpeg: string;
  /**
   * First line of `ffmpeg -version`. Option names (`-fps_mode`/`-vsync`, RTSP time-out) come from the features
   * resolveFfmpeg read from the binary; the version is the fallback for a binary it has not examined.
   */
  ffmpegVersion?: string;
  input: string;
  output: FrameOutput;
  /** Extra input options placed before `-i`, e.g. ['-f', 'v4l2'] or ['-rtsp_transport', 'tcp']. */
  inputArgs?: string[];
  /** Start here: seconds after the video's first frame (which is `videoStart` into the container). */
  startSeconds?: number;
  /**
   * Where the video's first frame is on ffmpeg's seek timeline: `-ss` counts from the container's start, the earliest
   * of all its streams, and a recording's sound can start before its picture (probeVideoStart). Default 0.
   */
  videoStart?: number;
  /**
   * Seek this many seconds before the start and drop the frames up to it (a `trim`): an MPEG-TS seek lands on the
   * key frame after the seek point, so reaching a start frame can take a seek point before it (file-seek.ts).
   */
  seekBefore?: number;
  /** Deinterlace (the source's stream header says its pictures are two fields each). */
  deinterlace?: boolean;
  /** Hand out every frame from the key frame the seek lands on, none dropped before the seek point (`-noaccurate_seek`). */
  keyFrameSeek?: boolean;
  /** Stop after this many frames handed out. */
  maxFrames?: number;
  /** Keep every Nth decoded frame (default 1). */
  every?: number;
  /** Bound on waiting for the header and the first frame (default DEFAULT_OPEN_TIMEOUT_MS). */
  openTimeoutMs?: number;
  /** Socket I/O time-out handed to ffmpeg for network inputs (default 10 s). */
  networkTimeoutMs?: number;
  /** Complete frames held before stdout is paused (default 2). */
  bufferFrames?: number;
  /** Decoder threads (`-threads`, an input option); default: ffmpeg's own choice (about one per core, plus one). */
  decoderThreads?: number;
  /** How many stderr lines to keep for error messages (default 20). */
  stderrLines?: number;
  /**
   * Have ffmpeg print each frame's own time (its `showinfo` filter), for frames whose time is not index / fps: a
   * recording that paused or runs at a variable rate (ffmpeg-frames.ts).
   */
  frameTimes?: boolean;
}

/** Read over a socket (a stream or a file behind a URL): ffmpeg then needs a time-out to give up on a dead peer. */
export function isNetworkInput(input: string): boolean {
  const { kind } = describeSource(input);
  return kind === 'stream' || kind === 'remote-file';
}

/** Release number check for binaries resolveFfmpeg has not examined; unversioned git builds count as old. */
export function ffmpegAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /ffmpeg version n?(\d+)\.(\d+)/i.exec(version ?? '');
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/**
 * How far from 1 a sample aspect ratio may be and still be taken as square. Recording formats' non-square pixels are
 * 6 % or more off (PAL 16:15, 64:45; NTSC 10:11, 40:33); a scaler that kept a display aspect leaves ratios within 1 %
 * (1442:1429 on a cropped and rescaled 1080p clip), which move lines and boxes less than a pixel in a hundred and are
 * not worth a resampled, blurred frame.
 */
export const SQUARE_ENOUGH = 0.02;

/**
 * Seeks go no earlier than this after the container's start: `-ss 0` is no seek at all, and ffmpeg times the frames of
 * a file it did not seek in differently (from the video's first frame in an MPEG-TS, ffmpeg-frames.ts).
 */
const EARLIEST_SEEK = 0.001;

/** ffmpeg's input seek (`-ss`, seconds after the container's start) and the seconds after it to drop, or null. */
export function seekOf(o: Pick<FrameReaderOptions, 'startSeconds' | 'videoStart' | 'seekBefore'>): { ss: number; drop: number } | null {
  if (!o.startSeconds || o.startSeconds <= 0) return null;
  const target = (o.videoStart ?? 0) + o.startSeconds;
  const ss = Math.max(EARLIEST_SEEK, target - (o.seekBefore ?? 0));
  return { ss, drop: Math.max(0, target - ss) };
}

export function videoFilter(out: FrameOutput, every: number, frameTimes = false, dropSeconds = 0, deinterlace = false): string {
  const parts: string[] = [];
  // Two fields of an analogue camera's picture, 20 ms apart, comb every moving edge. One frame per frame (not per
  // field), before anything is dropped or scaled: bwdif reads the neighbouring frames and the fields' own rows.
  if (deinterlace) parts.push('bwdif=mode=send_frame:parity=auto:deint=all');
  // Before the selection, so that its first frame is the start frame.
  if (dropSeconds > 0) parts.push(`trim=start=${dropSeconds}`);
  // Frames are dropped before scaling, so skipped frames cost only their decode.
  if (every > 1) parts.push(`select=not(mod(n\\,${every}))`);
  // Its default checksums every plane of every frame, which nothing reads.
  if (frameTimes) parts.push('showinfo=checksum=0');
  if (isNative(out)) {
    // Non-square pixels (a sample aspect ratio other than 1:1, as on PAL/NTSC recordings) made square, so that boxes,
    // lines and regions are in the geometry people see. Near 1:1 (or unknown: sar is then 1) the size is unchanged and
    // the scale filter passes frames through untouched (SQUARE_ENOUGH).
    parts.push(`scale=w='if(gt(abs(sar-1)\\,${SQUARE_ENOUGH})\\,round(iw*sar)\\,iw)':h=ih:flags=area`, 'setsar=1');
    // Sources within the cap pass unscaled (w=iw, h=ih); larger ones shrink to the cap, keeping their aspect.
    const m = out.maxSide;
    const w = `if(gt(max(iw\\,ih)\\,${m})\\,if(gte(iw\\,ih)\\,${m}\\,-2)\\,iw)`;
    const h = `if(gt(max(iw\\,ih)\\,${m})\\,if(gte(iw\\,ih)\\,-2\\,${m})\\,ih)`;
    parts.push(`scale=w='${w}':h='${h}':flags=area`, 'format=yuv420p');
    return parts.join(',');
  }
  const sw = out.scaledWidth ?? out.width;
  const sh = out.scaledHeight ?? out.height;
  parts.push(`scale=${sw}:${sh}:flags=bilinear`, 'format=rgb24');
  if (sw !== out.width || sh !== out.height || out.padX || out.padY) {
    const grey = (out.padValue ?? 0).toString(16).padStart(2, '0');
    parts.push(`pad=${out.width}:${out.height}:${out.padX ?? 0}:${out.padY ?? 0}:color=0x${grey.repeat(3)}`);
  }
  return parts.join(',');
}

function featuresOf(o: FrameReaderOptions): FfmpegFeatures {
  return (
    knownFeatures(o.ffmpeg) ?? {
      fpsMode: ffmpegAtLeast(o.ffmpegVersion, 5, 1),
      rtspTimeout: ffmpegAtLeast(o.ffmpegVersion, 5, 0) ? '-timeout' : '-stimeout',
    }
  );
}

export function ffmpegArgs(o: FrameReaderOptions): string[] {
  const every = o.every ?? 1;
  const features = featuresOf(o);
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
  const network: string[] = [];
  if (isNetworkInput(o.input)) {
    const us = String((o.networkTimeoutMs ?? 10_000) * 1000);
    if (/^rtsps?:/i.test(o.input)) network.push(features.rtspTimeout, us);
    else network.push('-rw_timeout', us);
  }
  const seek = seekOf(o);
  if (seek) args.push('-ss', String(seek.ss), ...(o.keyFrameSeek ? ['-noaccurate_seek'] : []));
  if (o.decoderThreads !== undefined) args.push('-threads', String(o.decoderThreads));
  args.push(...ffmpegInput(o.input, o.inputArgs ?? [], network).args, '-an', '-sn', '-dn');
  args.push(features.fpsMode ? '-fps_mode' : '-vsync', 'passthrough');
  args.push('-vf', videoFilter(o.output, every, o.frameTimes, seek?.drop, o.deinterlace));
  if (o.maxFrames !== undefined) args.push('-frames:v', String(o.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', isNative(o.output) ? 'yuv420p' : 'rgb24', 'pipe:1');
  return args;
}
