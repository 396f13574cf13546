import type { LogLevel } from '../protocol/events.js';
import type { Letterbox } from '../vision/letterbox.js';
import { WorkerError } from './errors.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { openFrames, type FrameLayout, type FrameReader, type SourceInfo } from './ffmpeg-frames.js';
import { FrameFiller } from './frame-filler.js';
import { backoffDelay, inputArgsFor, sourceError } from './source-kind.js';

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

/** Files keep a few frames decoded ahead so that ffmpeg works while the detector runs. */
const FILE_BUFFER_FRAMES = 4;

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

/**
 * Frames of one source through ffmpeg. Files: every frame, in order, with backpressure. Live sources: a pump reads
 * frames as they come and keeps only the newest for the consumer (the others are counted as dropped); a stall or an
 * end restarts ffmpeg with backoff, forever, until closed.
 */
export class FrameSource {
  info!: SourceInfo;
  geometry!: Letterbox;
  dropped = 0;
  private reader!: FrameReader;
  private closed = false;
  private ended = false;
  private failure: WorkerError | null = null;
  private slot: Frame | null = null;
  private wake: (() => void) | null = null;
  private frames = 0;
  private lastFrameAt = 0;
  private stalled = false;
  /** True while a run is open and frames are expected; the watchdog only judges those periods. */
  private streaming = false;
  private watchdog: NodeJS.Timeout | null = null;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly startedAt = performance.now();
  private handed = 0;
  /** Files with a known frame rate let ffmpeg drop the frames the detector skips, before scaling and piping them. */
  private readonly every: number;
  private readonly filler: FrameFiller;
  private readonly queued: Frame[] = [];

  private constructor(private readonly o: SourceOptions) {
    const fps = o.probed?.fps ?? null;
    this.every = !o.live && fps ? o.skipFrames : 1;
    const duration = o.probed?.duration ?? null;
    this.filler = new FrameFiller(this.every, fps && duration ? Math.round(duration * fps) : null);
  }

  /** Opens the source; throws a WorkerError naming the problem when it cannot be opened within the time-out. */
  static async open(o: SourceOptions): Promise<FrameSource> {
    const s = new FrameSource(o);
    o.onStop?.(() => s.close());
    try {
      const guess = o.probed ?? { width: o.inputWidth, height: o.inputHeight };
      await s.openRun(o.layoutFor(guess.width, guess.height));
    } catch (err) {
      throw sourceError(err);
    }
    if (o.live) s.startPump();
    return s;
  }

  /** The next frame, or null when the file ended or the source was closed. Throws WorkerError on failure. */
  async next(): Promise<Frame | null> {
    const f = this.o.live ? await this.nextLive() : await this.nextFromFile();
    if (f && this.every === 1) f.detect = this.handed % this.o.skipFrames === 0;
    if (f) this.handed += 1;
    return f;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader?.close();
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
    this.notify();
  }

  /** Starts ffmpeg with `layout`, and once more with the exact layout if the source turns out to need another. */
  private async openRun(layout: Letterbox): Promise<void> {
    for (let tries = 0; ; tries++) {
      const reader = openFrames({
        ffmpeg: this.o.ffmpeg.path,
        ffmpegVersion: this.o.ffmpeg.version,
        input: this.o.source,
        inputArgs: inputArgsFor(this.o.source),
        output: toFrameLayout(layout, this.o.padValue),
        openTimeoutMs: this.o.stallTimeoutMs,
        networkTimeoutMs: this.o.stallTimeoutMs,
        bufferFrames: this.o.live ? 1 : FILE_BUFFER_FRAMES,
        maxFrames: this.o.live || this.o.maxFrames === undefined ? undefined : Math.ceil(this.o.maxFrames / this.every),
        every: this.every,
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

  private async nextFromFile(): Promise<Frame | null> {
    if (this.queued.length === 0) await this.readFile();
    return this.queued.shift() ?? null;
  }

  /** Queues the next frame from ffmpeg, preceded by the frames it skipped (or, at the end, the ones after the last). */
  private async readFile(): Promise<void> {
    if (this.closed) return;
    const f = await this.readWithin(this.o.stallTimeoutMs);
    const skipped = f ? this.filler.before(f.index) : this.filler.tail();
    const fps = this.info.fps ?? 1;
    const empty = new Uint8Array(0);
    for (const index of skipped) {
      this.queued.push({ number: index + 1, pts: index / fps, detect: false, data: empty, geometry: this.geometry });
    }
    if (f) this.queued.push({ number: f.index + 1, pts: f.ptsSeconds, detect: true, data: f.data, geometry: this.geometry });
  }

  private async readWithin(ms: number) {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.reader.close();
    }, ms);
    try {
      const f = await this.reader.next();
      if (timedOut) throw new WorkerError('SOURCE_TIMEOUT', `no frame from ${this.o.source} for ${ms / 1000} s`);
      return f;
    } catch (err) {
      throw sourceError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private async nextLive(): Promise<Frame | null> {
    for (;;) {
      if (this.slot) {
        const f = this.slot;
        this.slot = null;
        return f;
      }
      if (this.failure) throw this.failure;
      if (this.closed || this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private startPump(): void {
    this.lastFrameAt = performance.now();
    this.streaming = true;
    // A stall is judged by the pump's own clock, not by the consumer: the pump always reads, so a slow detector
    // cannot look like a dead camera.
    this.watchdog = setInterval(() => {
      if (this.streaming && !this.stalled && performance.now() - this.lastFrameAt > this.o.stallTimeoutMs) {
        this.stalled = true;
        this.reader.close();
      }
    }, Math.min(1000, this.o.stallTimeoutMs / 4));
    this.watchdog.unref();
    this.pump().catch((err: unknown) => {
      this.failure = sourceError(err);
      this.notify();
    });
  }

  private async pump(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      let reason = 'stream ended';
      try {
        const f = await this.reader.next();
        if (f) {
          attempt = 0;
          this.frames += 1;
          this.lastFrameAt = performance.now();
          if (this.slot) this.dropped += 1;
          const pts = (this.lastFrameAt - this.startedAt) / 1000;
          this.slot = { number: this.frames, pts, detect: true, data: f.data, geometry: this.geometry };
          this.notify();
          continue;
        }
      } catch (err) {
        reason = sourceError(err).message;
      }
      if (this.closed) break;
      if (this.stalled) reason = `no frame for ${this.o.stallTimeoutMs / 1000} s`;
      this.streaming = false;
      this.reader.close();
      attempt = await this.reconnect(attempt, reason);
    }
    this.ended = true;
    this.notify();
  }

  /** Restarts ffmpeg until a run opens (or the source is closed); returns the attempt count so far. */
  private async reconnect(attempt: number, reason: string): Promise<number> {
    while (!this.closed) {
      attempt += 1;
      const delay = backoffDelay(attempt);
      this.o.onReconnect(attempt, delay, reason);
      await new Promise<void>((resolve) => {
        this.sleeper = { timer: setTimeout(resolve, delay), resolve };
      });
      this.sleeper = null;
      if (this.closed) break;
      try {
        await this.openRun(this.geometry);
        this.stalled = false;
        this.lastFrameAt = performance.now();
        this.streaming = true;
        this.o.onLog('info', `reconnected to ${this.o.source} (attempt ${attempt})`);
        return attempt;
      } catch (err) {
        this.reader.close();
        reason = sourceError(err).message;
      }
    }
    return attempt;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

function toFrameLayout(g: Letterbox, padValue: number): FrameLayout {
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
