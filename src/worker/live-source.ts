import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import { redactSource } from '../sources/credentials.js';
import type { WorkerError } from './errors.js';
import type { SourceInfo } from './ffmpeg-header.js';
import { LiveClock } from './live-clock.js';
import type { FfmpegRuns, Frame, FrameSource, SourceOptions } from './source.js';
import { sourceError } from './source-kind.js';

/** Reconnect delays: from half a second (a stream server restarting) up to 30 s (a camera rebooting). */
const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * A live source: a pump reads frames as they come and keeps only the newest for the consumer (the others are counted
 * as dropped), so the worker never falls behind the camera. A stall (no frame for the stall time-out) or an end
 * restarts ffmpeg with backoff and jitter, forever, until closed; frame numbers and times go on across the gap. Frame
 * times follow the stream's content (LiveClock), and frames of a backlog after a stall are dropped as stale.
 *
 * With --skip-frames N ffmpeg hands over only every Nth frame (the ones the detector runs on), so the detector has N
 * frame times to finish one before it is late; the N − 1 frames after each one handed out are filled in without
 * pixels, numbered and timed between it and the next, once that arrives. A frame superseded in the slot (or stale)
 * drops the N frames it stands for.
 */
export class LiveSource implements FrameSource {
  dropped = 0;
  private slot: Frame | null = null;
  private failure: WorkerError | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  /** Number of the newest frame ffmpeg delivered. */
  private frames = 0;
  /** The last frame handed out with pixels, and the filled-in frames queued after it. */
  private last: Frame | null = null;
  private readonly filled: Frame[] = [];
  private lastFrameAt = performance.now();
  private stalled = false;
  /** True while a run is open and frames are expected; the watchdog only judges those periods. */
  private streaming = true;
  private readonly watchdog: NodeJS.Timeout;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly startedAt = performance.now();
  private readonly clock = new LiveClock();

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

  get frameSize(): { width: number; height: number } {
    return this.runs.frameSize;
  }

  async next(): Promise<Frame | null> {
    for (;;) {
      const queued = this.filled.shift();
      if (queued) return queued;
      if (this.slot) {
        const f = this.slot;
        this.slot = null;
        this.fillBefore(f);
        this.last = f;
        this.filled.push(f);
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.runs.closed || this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  release(frame: Frame): void {
    this.runs.release(frame.data);
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
          this.frames = this.frames === 0 ? 1 : this.frames + this.runs.every;
          this.lastFrameAt = performance.now();
          const time = this.clock.observe((this.lastFrameAt - this.startedAt) / 1000, f.ptsSeconds);
          // A frame of a backlog that piled up during a stall: never counted on (its people would jump).
          if (time.stale) {
            this.dropped += this.runs.every;
            this.runs.release(f.data);
            continue;
          }
          if (this.slot) {
            this.dropped += this.runs.every;
            this.runs.release(this.slot.data);
          }
          this.slot = { number: this.frames, pts: time.t, detect: true, data: f.data, width: f.width, height: f.height };
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
        await this.runs.open();
        this.clock.newRun();
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

  /** Queues the frames between the last one handed out and `f` that belong to the last one (its N − 1 followers). */
  private fillBefore(f: Frame): void {
    const p = this.last;
    if (!p) return;
    const end = Math.min(p.number + this.runs.every, f.number);
    for (let n = p.number + 1; n < end; n++) {
      const pts = p.pts + ((f.pts - p.pts) * (n - p.number)) / (f.number - p.number);
      this.filled.push({ number: n, pts, detect: false, data: new Uint8Array(0), width: f.width, height: f.height });
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
