import type { LogLevel } from '../protocol/events.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { openFrames, type FrameReader } from './ffmpeg-frames.js';
import type { SourceInfo } from './ffmpeg-header.js';
import type { FramePool } from './frame-pool.js';
import { FileSource } from './file-source.js';
import { openAtStart, seekSeconds } from './file-seek.js';
import { LiveSource } from './live-source.js';
import { inputArgsFor, sourceError } from './source-kind.js';

export interface SourceOptions {
  source: string;
  live: boolean;
  ffmpeg: FfmpegBinary;
  /** What a probe of the file found (its frame rate lets ffmpeg skip the frames the detector does not need). */
  probed?: SourceInfo;
  /** Files started at a later frame: where the video's first frame is in the container (probeVideoStart). */
  videoStart?: number;
  /** The detector runs on every `skipFrames`-th frame (`Frame.detect`). */
  skipFrames: number;
  /** An image sequence's frames per second (inputArgsFor). */
  frameRate?: number;
  /** Frames larger than this (long side) are shrunk to it by ffmpeg. */
  maxSide: number;
  /** No frame for this long: a live source is restarted, a file fails with SOURCE_TIMEOUT. Also bounds opening. */
  stallTimeoutMs: number;
  /**
   * ffmpeg's decoder threads: the worker's share of the cores (its --threads). With many cameras on few cores one
   * decoder thread each costs less CPU in total than ffmpeg's default of one per core plus one (frame threads wait
   * for each other and for the cores); see README, bench:live.
   */
  decoderThreads?: number;
  /** Files: let ffmpeg stop after this many frames. */
  maxFrames?: number;
  /** Files: the first frame to read (1-based; needs the probed frame rate). */
  startFrame?: number;
  /** Files: the first frame handed out, when before `startFrame`: the frames up to it come without pixels. */
  firstFrame?: number;
  onReconnect(attempt: number, delayMs: number, reason: string): void;
  onLog(level: LogLevel, message: string): void;
  /** Frames are read into buffers of this pool; the consumer gives them back with FrameSource.release. */
  pool?: FramePool;
  /** Registers a callback for a stop request, so that a stop during a slow open does not wait for the time-out. */
  onStop?(listener: () => void): void;
}

export interface Frame {
  /** 1-based, continuous over reconnects, counting dropped frames too. */
  number: number;
  /** Seconds: into the file, or since the worker started for live sources (wall time, so a gap ages tracks). */
  pts: number;
  /** Whether the detector runs on this frame; the tracker only predicts on the others. */
  detect: boolean;
  /** yuv420p at `width`×`height` (the source size, capped at maxSide); empty on frames without detection. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Frames of one source: a file (every frame, in order) or a live stream (always the newest frame). */
export interface FrameSource {
  readonly info: SourceInfo;
  /** Size of the frames handed out: the source's, or smaller when capped at maxSide. */
  readonly frameSize: { width: number; height: number };
  /** Frames a live source delivered that were never handed out because a newer one came first. */
  readonly dropped: number;
  /** The next frame, or null when the file ended or the source was closed. Throws WorkerError on failure. */
  next(): Promise<Frame | null>;
  /** The consumer is done with the frame's pixels: its buffer may be used for a later frame. Once per frame. */
  release(frame: Frame): void;
  close(): void;
}

/** Opens the source; throws a WorkerError naming the problem when it cannot be opened within the time-out. */
export async function openSource(o: SourceOptions): Promise<FrameSource> {
  const runs = new FfmpegRuns(o);
  let source: FrameSource | null = null;
  o.onStop?.(() => (source ? source.close() : runs.close()));
  try {
    await runs.open();
  } catch (err) {
    throw sourceError(err);
  }
  source = o.live ? new LiveSource(o, runs) : new FileSource(o, runs);
  return source;
}

/** Files keep a few frames decoded ahead so that ffmpeg works while the detector runs. */
const FILE_BUFFER_FRAMES = 4;
const NETWORK_TIMEOUT_MARGIN_MS = 1000;

/**
 * The ffmpeg processes of one source, one after another (a live source gets a new one after each reconnect), each
 * handing over only the frames the detector runs on, at the source's own size.
 */
export class FfmpegRuns {
  info!: SourceInfo;
  /** Size of the frames handed out: the source's, or smaller when capped at maxSide. */
  frameSize!: { width: number; height: number };
  reader!: FrameReader;
  closed = false;
  /**
   * ffmpeg drops the frames the detector skips, before converting and piping them: files with a known frame rate
   * (their skipped frames are filled in by number) and live sources (which fill in the frames after each one).
   */
  readonly every: number;

  /**
   * Whether ffmpeg deinterlaces: as the probe of a file says. A live source is not probed (a second connection to a
   * camera before the real one); its stream header says it, and the first run that finds it interlaced is opened again
   * deinterlaced before its first frame is used. Later runs (reconnects) follow the last header.
   */
  private deinterlace: boolean;

  constructor(private readonly o: SourceOptions) {
    this.every = o.live || o.probed?.fps ? o.skipFrames : 1;
    this.deinterlace = o.probed?.interlaced ?? false;
  }

  async open(): Promise<void> {
    const start = seekSeconds(this.o);
    const open = (seekBefore: number) => this.start(start, seekBefore);
    let reader = start === undefined ? open(0) : await openAtStart(this.o.startFrame!, open, (data) => this.release(data));
    let info = await reader.info();
    if (this.o.live && info.interlaced !== this.deinterlace) {
      this.deinterlace = info.interlaced;
      if (info.interlaced) {
        this.o.onLog('info', 'the stream\'s pictures are interlaced (two fields each): opened again, deinterlaced');
        reader.close();
        // A camera may allow one session at a time: the first one ends before the next one starts.
        await reader.exited;
        reader = open(0);
        info = await reader.info();
      }
    }
    const size = await reader.frameSizeKnown();
    if (this.info && (this.info.width !== info.width || this.info.height !== info.height)) {
      this.o.onLog('warn', `source size changed from ${this.info.width}x${this.info.height} to ${info.width}x${info.height}`);
    }
    this.info = info;
    this.frameSize = size;
  }

  private start(startSeconds: number | undefined, seekBefore: number): FrameReader {
    const reader = openFrames({
      ffmpeg: this.o.ffmpeg.path,
      ffmpegVersion: this.o.ffmpeg.version,
      input: this.o.source,
      inputArgs: inputArgsFor(this.o.source, this.o.live, this.o.frameRate),
      output: { kind: 'native', maxSide: this.o.maxSide },
      openTimeoutMs: this.o.stallTimeoutMs,
      // A little longer than the stall time-out: a stall mid-stream is the watchdog's call (and reported as such),
      // ffmpeg's own socket time-out is the backstop.
      networkTimeoutMs: this.o.stallTimeoutMs + NETWORK_TIMEOUT_MARGIN_MS,
      bufferFrames: this.o.live ? 1 : FILE_BUFFER_FRAMES,
      decoderThreads: this.o.decoderThreads,
      maxFrames: this.o.live || this.o.maxFrames === undefined ? undefined : Math.ceil(this.o.maxFrames / this.every),
      every: this.every,
      startSeconds,
      videoStart: this.o.videoStart,
      seekBefore,
      pool: this.o.pool,
      // Live frames are timed by the live clock (live-clock.ts), files by their own times where these are off the grid.
      frameTimes: !this.o.live,
      deinterlace: this.deinterlace,
    });
    // Set before anything is awaited, so that close() stops the reader being opened.
    this.reader = reader;
    if (this.closed) reader.close();
    return reader;
  }

  close(): void {
    this.closed = true;
    this.reader?.close();
  }

  /** Gives a frame's pixels back to the pool (frames without pixels have none). */
  release(data: Uint8Array): void {
    if (data.length > 0) this.o.pool?.release(data);
  }
}
