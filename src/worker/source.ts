import type { LogLevel } from '../protocol/events.js';
import type { Letterbox } from '../vision/letterbox.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { toFrameLayout } from './ffmpeg-args.js';
import { openFrames, type FrameReader, type SourceInfo } from './ffmpeg-frames.js';
import { FileSource } from './file-source.js';
import { LiveSource } from './live-source.js';
import { inputArgsFor, sourceError } from './source-kind.js';

export interface SourceOptions {
  source: string;
  live: boolean;
  ffmpeg: FfmpegBinary;
  /** How a source of the given size is fitted into the model input. */
  layoutFor(width: number, height: number): Letterbox;
  /** Model input size, the first guess of the layout before the source size is known. */
  inputWidth: number;
  inputHeight: number;
  /** What a probe of the file found: the first run then gets the exact layout. */
  probed?: SourceInfo;
  /** The detector runs on every `skipFrames`-th frame (`Frame.detect`). */
  skipFrames: number;
  padValue: number;
  /** No frame for this long: a live source is restarted, a file fails with SOURCE_TIMEOUT. Also bounds opening. */
  stallTimeoutMs: number;
  /** Files: let ffmpeg stop after this many frames. */
  maxFrames?: number;
  /** Files: the first frame to read (1-based; needs the probed frame rate). */
  startFrame?: number;
  onReconnect(attempt: number, delayMs: number, reason: string): void;
  onLog(level: LogLevel, message: string): void;
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
  /** rgb24 at the model input size, laid out as `geometry` says; empty on frames ffmpeg skipped (detect false). */
  data: Uint8Array;
  geometry: Letterbox;
}

/** Frames of one source: a file (every frame, in order) or a live stream (always the newest frame). */
export interface FrameSource {
  readonly info: SourceInfo;
  /** Frames a live source delivered that were never handed out because a newer one came first. */
  readonly dropped: number;
  /** The next frame, or null when the file ended or the source was closed. Throws WorkerError on failure. */
  next(): Promise<Frame | null>;
  close(): void;
}

/** Opens the source; throws a WorkerError naming the problem when it cannot be opened within the time-out. */
export async function openSource(o: SourceOptions): Promise<FrameSource> {
  const runs = new FfmpegRuns(o);
  let source: FrameSource | null = null;
  o.onStop?.(() => (source ? source.close() : runs.close()));
  try {
    const guess = o.probed ?? { width: o.inputWidth, height: o.inputHeight };
    await runs.open(o.layoutFor(guess.width, guess.height));
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
 * scaling to the layout the detector needs for the source's size.
 */
export class FfmpegRuns {
  info!: SourceInfo;
  geometry!: Letterbox;
  reader!: FrameReader;
  closed = false;
  /** Files with a known frame rate let ffmpeg drop the frames the detector skips, before scaling and piping them. */
  readonly every: number;

  constructor(private readonly o: SourceOptions) {
    this.every = !o.live && o.probed?.fps ? o.skipFrames : 1;
  }

  /** Starts ffmpeg with `layout`, and once more with the exact layout if the source turns out to need another. */
  async open(layout: Letterbox): Promise<void> {
    for (let tries = 0; ; tries++) {
      const reader = openFrames({
        ffmpeg: this.o.ffmpeg.path,
        ffmpegVersion: this.o.ffmpeg.version,
        input: this.o.source,
        inputArgs: inputArgsFor(this.o.source),
        output: toFrameLayout(layout, this.o.padValue),
        openTimeoutMs: this.o.stallTimeoutMs,
        // A little longer than the stall time-out: a stall mid-stream is the watchdog's call (and reported as such),
        // ffmpeg's own socket time-out is the backstop.
        networkTimeoutMs: this.o.stallTimeoutMs + NETWORK_TIMEOUT_MARGIN_MS,
        bufferFrames: this.o.live ? 1 : FILE_BUFFER_FRAMES,
        maxFrames: this.o.live || this.o.maxFrames === undefined ? undefined : Math.ceil(this.o.maxFrames / this.every),
        every: this.every,
        startSeconds: seekSeconds(this.o),
      });
      this.reader = reader;
      if (this.closed) reader.close();
      const info = await reader.info();
      const exact = this.o.layoutFor(info.width, info.height);
      if (sameLayout(exact, layout) || tries > 0) {
        if (this.info && (this.info.width !== info.width || this.info.height !== info.height)) {
          this.o.onLog('warn', `source size changed from ${this.info.width}x${this.info.height} to ${info.width}x${info.height}`);
        }
        this.info = info;
        this.geometry = exact;
        return;
      }
      reader.close();
      layout = exact;
    }
  }

  close(): void {
    this.closed = true;
    this.reader?.close();
  }
}

/**
 * Where ffmpeg seeks to start a file at `startFrame`: a quarter frame before the frame's own time. ffmpeg's input
 * seek is exact (it decodes from the key frame before and drops frames earlier than the time), so the first frame
 * handed out is the start frame, and the reader numbers it round(seconds × fps) + 1 = startFrame.
 */
export function seekSeconds(o: Pick<SourceOptions, 'live' | 'startFrame' | 'probed'>): number | undefined {
  if (o.live || !o.startFrame || o.startFrame <= 1 || !o.probed?.fps) return undefined;
  return (o.startFrame - 1.25) / o.probed.fps;
}

/** Whether ffmpeg would paint the same pixels for both (the source size itself does not enter ffmpeg's filter). */
function sameLayout(a: Letterbox, b: Letterbox): boolean {
  return (
    a.inputWidth === b.inputWidth &&
    a.inputHeight === b.inputHeight &&
    a.scaledWidth === b.scaledWidth &&
    a.scaledHeight === b.scaledHeight &&
    a.padX === b.padX &&
    a.padY === b.padY
  );
}
