import type { LogLevel } from '../protocol/events.js';
import { createThreadedDetector, type DetectorHandle } from './detector-thread.js';
import { FramePool } from './frame-pool.js';
import { WorkerError } from './errors.js';
import { resolveFfmpeg, type FfmpegBinary } from './ffmpeg-binary.js';
import type { SourceInfo } from './ffmpeg-header.js';
import { probeSource, probeVideoStart } from './ffmpeg-probe.js';
import { openSource, type FrameSource } from './source.js';
import { checkLocalSource, inputArgsFor, sourceError } from './source-kind.js';
import { warmupStart } from './warmup.js';
import { DEFAULT_MAX_TILE } from '../vision/crop-plan.js';
import { MAX_FRAME_SIDE } from '../sources/frame-side.js';

export interface SetupOptions {
  source: string;
  live: boolean;
  ffmpeg?: string;
  model?: string;
  modelFormat?: string;
  inputSize?: string;
  threads?: number;
  confidence?: number;
  stallTimeoutMs: number;
  skipFrames: number;
  /** An image sequence's frames per second (inputArgsFor). */
  frameRate?: number;
  /** Stop (as if asked to) after this many frames. */
  maxFrames?: number;
  /** Files: count from this frame on (1-based), after a warm-up stretch before it (see warmup.ts). */
  startFrame?: number;
  /**
   * Files: a resume state (resume-state.ts) is at hand for `startFrame`, of a source of this size: when the source
   * has that size, reading starts at `startFrame` itself, without a warm-up (`Opened.exactStart`).
   */
  stateSource?: { width: number; height: number };
  log(level: LogLevel, message: string): void;
  onReconnect(attempt: number, delayMs: number, reason: string): void;
  onStop(listener: () => void): void;
}

export interface Opened {
  ffmpeg: FfmpegBinary;
  detector: DetectorHandle;
  source: FrameSource;
  /** The source starts at `startFrame` itself, for the resume state to continue (no warm-up). */
  exactStart: boolean;
  /** The first frame decoded (1-based), when not frame 1. */
  firstRead?: number;
}

/**
 * onnxruntime's pool threads spin while they wait for work, which makes one model alone on an idle machine fastest
 * but steals the cores ffmpeg, the main thread and the other workers of the dashboard need. Measured on vtest.avi
 * (2 cores, 2 intra-op threads, 150 frames, runs interleaved): idle machine end-to-end 64 fps spinning vs 56 fps
 * not (model alone 94 vs 60); with one other busy process 25 fps spinning vs 42 fps not.
 * `dynamic_block_base` 4: with more than one intra-op thread, onnxruntime hands a parallel loop out in shrinking
 * blocks instead of one equal share per thread, so a thread that got its core late does not hold the others up
 * (model alone, 256×512 tile, 2 threads, load 14, three interleaved pairs: 43.1–44.2 fps vs 40.5–41.4, the same
 * detections; every event of vtest.avi and MOT17-09 at skip 1 and 5 unchanged).
 */
export const WORKER_SESSION_OVERRIDES = {
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' }, dynamic_block_base: '4' } },
};

/**
 * Files are probed first (a throw-away ffmpeg run that stops at the header): knowing the frame rate lets ffmpeg
 * drop the frames the detector skips by number. Live sources skip this: a camera or a one-client stream server should
 * be connected to once.
 */
async function probeFile<T>(probe: (o: Parameters<typeof probeSource>[0]) => Promise<T>, ffmpeg: FfmpegBinary, o: SetupOptions): Promise<T> {
  try {
    return await probe({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: o.source, inputArgs: inputArgsFor(o.source, false, o.frameRate), openTimeoutMs: o.stallTimeoutMs });
  } catch (err) {
    throw sourceError(err);
  }
}

/** "ffmpeg version 5.1.6-0+deb12u1 Copyright …" → "5.1.6-0+deb12u1". */
export function ffmpegVersionName(ffmpeg: FfmpegBinary): string {
  return /ffmpeg version (\S+)/i.exec(ffmpeg.version)?.[1] ?? ffmpeg.version;
}

/**
 * Where decoding starts for --start-frame: on a frame the uninterrupted run detected on, so that both runs detect on
 * the same frames. With a resume state that is the first such frame from the start frame on (the frames before it
 * are handed out without pixels, as skipped frames are); without, the start of the warm-up before it.
 */
function framesToRead(o: SetupOptions, probed: SourceInfo | null): { decodeFrom?: number; countFrom?: number; exact: boolean } {
  if (o.startFrame === undefined || o.startFrame <= 1) return { exact: false };
  if (o.live) throw new WorkerError('BAD_ARGUMENT', '--start-frame applies to files, not to live sources');
  if (!probed?.fps) throw new WorkerError('BAD_ARGUMENT', `--start-frame needs the frame rate of ${o.source}, which ffmpeg does not report`);
  const k = o.skipFrames;
  const state = o.stateSource;
  if (state && (state.width !== probed.width || state.height !== probed.height)) {
    o.log('warn', `the resume state is of a ${state.width}x${state.height} source, this one is ${probed.width}x${probed.height}: not used, tracking warms up before frame ${o.startFrame} instead`);
  } else if (state) {
    return { decodeFrom: o.startFrame + ((k - ((o.startFrame - 1) % k)) % k), countFrom: o.startFrame, exact: true };
  }
  return { decodeFrom: warmupStart(o.startFrame, probed.fps, k), exact: false };
}

/** ffmpeg, the detector and the opened source, each failure as a WorkerError that names the problem. */
export async function openAll(o: SetupOptions): Promise<Opened> {
  await checkLocalSource(o.source);
  // The model loads while ffmpeg is found and a file probed (a new worker's start is a camera's takeover time in a
  // fleet); the source itself is opened once the model is ready, so that a live source drops no frames meanwhile.
  // Frames are read into buffers the detector thread reads without a copy, used again once counted.
  const pool = new FramePool();
  const loading = createThreadedDetector({
    modelPath: o.model,
    format: o.modelFormat,
    inputSize: o.inputSize,
    defaultInputSize: DEFAULT_MAX_TILE,
    threads: o.threads,
    confidence: o.confidence,
    sessionOverrides: WORKER_SESSION_OVERRIDES,
  }, pool, o.skipFrames, o.live);
  // Awaited below; a model that fails meanwhile must not count as an unhandled rejection.
  loading.catch(() => undefined);
  let ffmpeg: FfmpegBinary;
  let frames: ReturnType<typeof framesToRead>;
  let probed: SourceInfo | null;
  let videoStart: number | undefined;
  try {
    try {
      ffmpeg = await resolveFfmpeg({ option: o.ffmpeg });
    } catch (err) {
      throw new WorkerError('FFMPEG_NOT_FOUND', (err as Error).message);
    }
    o.log('info', `ffmpeg ${ffmpeg.path} (${ffmpeg.origin}), version ${ffmpegVersionName(ffmpeg)}`);
    probed = o.live ? null : await probeFile(probeSource, ffmpeg, o);
    frames = framesToRead(o, probed);
    // A seek counts from the container's start, frame numbers from the video's first frame.
    if (frames.decodeFrom !== undefined && frames.decodeFrom > 1) videoStart = await probeFile(probeVideoStart, ffmpeg, o);
  } catch (err) {
    await loading.then((d) => d.release()).catch(() => undefined);
    throw err;
  }
  const detector = await loading;
  const sessions = detector.sessionThreads.length === 1 ? `${detector.sessionThreads[0]} thread(s)` : `${detector.sessionThreads.length} sessions of ${detector.sessionThreads.join(' + ')} threads`;
  o.log('info', `model ${detector.modelPath} (${detector.format}, input ${detector.inputWidth}x${detector.inputHeight}, confidence ${detector.confidence}, ${sessions})`);
  try {
    const source = await openSource({
      source: o.source,
      live: o.live,
      ffmpeg,
      maxSide: MAX_FRAME_SIDE,
      probed: probed ?? undefined,
      videoStart,
      skipFrames: o.skipFrames,
      frameRate: o.frameRate,
      decoderThreads: o.threads,
      stallTimeoutMs: o.stallTimeoutMs,
      maxFrames: o.maxFrames,
      startFrame: frames.decodeFrom,
      firstFrame: frames.countFrom,
      onReconnect: o.onReconnect,
      onLog: o.log,
      onStop: o.onStop,
      pool,
    });
    return { ffmpeg, detector, source, exactStart: frames.exact, firstRead: frames.decodeFrom };
  } catch (err) {
    await detector.release();
    throw err;
  }
}
