import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import { redactSource } from '../sources/credentials.js';
import type { WorkerError } from './errors.js';
import type { SourceInfo } from './ffmpeg-frames.js';
import type { FfmpegRuns, Frame, FrameSource, SourceOptions } from './source.js';
import { sourceError } from './source-kind.js';

/** Reconnect delays: from half a second (a stream server restarting) up to 30 s (a camera rebooting). */
const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * A live source: a pump reads frames as they come and keeps only the newest for the consumer (the others are counted
 * as dropped), so the worker never falls behind the camera. A stall (no frame for the stall time-out) or an end
 * restarts ffmpeg with backoff and jitter, forever, until closed; frame numbers and times go on across the gap.
 */
export class LiveSource implements FrameSource {
  dropped = 0;
  private slot: Frame | null = null;
  private failure: WorkerError | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  private frames = 0;
  private handed = 0;
  private lastFrameAt = performance.now();
  private stalled = false;
  /** True while a run is open and frames are expected; the watchdog only judges those periods. */
  private streaming = true;
  private readonly watchdog: NodeJS.Timeout;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly startedAt = performance.now();

  constructor(
    private readonly o: SourceOptions,
    private readonly runs: FfmpegRuns,
  ) {
    // A stall is judged by the pump's own clock, not by the consumer: the pump always reads, so a slow detector
    // cannot look like a dead camera.
    this.watchdog = setInterval(() => {
      if (this.streaming && !this.stalled && performance.now() - this.lastFrameAt > o.stallTimeoutMs) {
        this.stalled = true;
        runs.reader.close();
      }
    }, Math.min(1000, o.stallTimeoutMs / 4));
    this.watchdog.unref();
    this.pump().catch((err: unknown) => {
      this.failure = sourceError(err);
      this.notify();
    });
  }

  get info(): SourceInfo {
    return this.runs.info;
  }

  async next(): Promise<Frame | null> {
    for (;;) {
      if (this.slot) {
        const f = this.slot;
        this.slot = null;
        f.detect = this.handed++ % this.o.skipFrames === 0;
        return f;
      }
      if (this.failure) throw this.failure;
      if (this.runs.closed || this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.runs.close();
    clearInterval(this.watchdog);
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
    this.notify();
  }

  private async pump(): Promise<void> {
    let attempt = 0;
    while (!this.runs.closed) {
      let reason = 'stream ended';
      try {
        const f = await this.runs.reader.next();
        if (f) {
          attempt = 0;
          this.frames += 1;
          this.lastFrameAt = performance.now();
          if (this.slot) this.dropped += 1;
          const pts = (this.lastFrameAt - this.startedAt) / 1000;
          this.slot = { number: this.frames, pts, detect: true, data: f.data, geometry: this.runs.geometry };
          this.notify();
          continue;
        }
      } catch (err) {
        reason = sourceError(err).message;
      }
      if (this.runs.closed) break;
      if (this.stalled) reason = `no frame for ${this.o.stallTimeoutMs / 1000} s`;
      this.streaming = false;
      this.runs.reader.close();
      attempt = await this.reconnect(attempt, reason);
    }
    this.ended = true;
    this.notify();
  }

  /** Restarts ffmpeg until a run opens (or the source is closed); returns the attempt count so far. */
  private async reconnect(attempt: number, reason: string): Promise<number> {
    while (!this.runs.closed) {
      attempt += 1;
      const delay = backoffDelay(attempt, RECONNECT_BACKOFF);
      this.o.onReconnect(attempt, delay, reason);
      await new Promise<void>((resolve) => {
        this.sleeper = { timer: setTimeout(resolve, delay), resolve };
      });
      this.sleeper = null;
      if (this.runs.closed) break;
      try {
        await this.runs.open(this.runs.geometry);
        this.stalled = false;
        this.lastFrameAt = performance.now();
        this.streaming = true;
        this.o.onLog('info', `reconnected to ${redactSource(this.o.source)} (attempt ${attempt})`);
        return attempt;
      } catch (err) {
        this.runs.reader.close();
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
