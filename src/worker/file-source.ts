import { frameNumber } from '../sources/frames.js';
import { redactSource } from '../sources/credentials.js';
import { WorkerError } from './errors.js';
import type { SourceInfo } from './ffmpeg-header.js';
import { FrameFiller } from './frame-filler.js';
import type { FfmpegRuns, Frame, FrameSource, SourceOptions } from './source.js';
import { sourceError } from './source-kind.js';

/**
 * A file: every frame in order, as fast as the consumer takes them (ffmpeg blocks on a full pipe). With
 * --skip-frames N ffmpeg only passes the detection frames on; the ones in between are filled in without pixels.
 * A frame that takes longer than the stall time-out to come is a SOURCE_TIMEOUT.
 */
export class FileSource implements FrameSource {
  readonly dropped = 0;
  private readonly filler: FrameFiller;
  private readonly queued: Frame[] = [];
  private handed = 0;
  private damageSaid = false;
  /**
   * How far the last frame from ffmpeg was from its grid time (index / fps): 0, except after a pause in the recording.
   * The frames skipped after it are that far off too (they come before the next frame, which may be past the pause).
   */
  private offGrid = 0;

  constructor(
    private readonly o: SourceOptions,
    private readonly runs: FfmpegRuns,
  ) {
    const { fps, duration } = runs.info;
    this.filler = new FrameFiller(runs.every, fps && duration ? Math.round(duration * fps) : null, (o.firstFrame ?? o.startFrame ?? 1) - 1);
  }

  get info(): SourceInfo {
    return this.runs.info;
  }

  get frameSize(): { width: number; height: number } {
    return this.runs.frameSize;
  }

  async next(): Promise<Frame | null> {
    if (this.queued.length === 0) await this.read();
    const f = this.queued.shift() ?? null;
    if (f && this.runs.every === 1) f.detect = this.handed % this.o.skipFrames === 0;
    if (f) this.handed += 1;
    return f;
  }

  close(): void {
    this.runs.close();
  }

  release(frame: Frame): void {
    this.runs.release(frame.data);
  }

  /** Queues the next frame from ffmpeg, preceded by the frames it skipped (or, at the end, the ones after the last). */
  private async read(): Promise<void> {
    if (this.runs.closed) return;
    const f = await this.readWithin(this.o.stallTimeoutMs);
    if (!f && !this.runs.closed) this.warnIfDamaged();
    const skipped = f ? this.filler.before(f.index) : this.filler.tail();
    const fps = this.runs.info.fps ?? 1;
    const empty = new Uint8Array(0);
    const { width, height } = f ?? { width: 0, height: 0 };
    for (const index of skipped) this.queued.push({ number: frameNumber(index), pts: index / fps + this.offGrid, detect: false, data: empty, width, height });
    if (!f) return;
    this.queued.push({ number: frameNumber(f.index), pts: f.ptsSeconds, detect: true, data: f.data, width, height });
    this.offGrid = f.ptsSeconds - f.index / fps;
  }

  /**
   * ffmpeg reads a damaged file (cut short, corrupt packets) to its end with exit status 0, as if it were whole: the
   * task completes, so its log must say that the count covers only what could be decoded.
   */
  private warnIfDamaged(): void {
    const damage = this.damageSaid ? null : this.runs.reader.damage;
    if (!damage) return;
    this.damageSaid = true;
    this.o.onLog('warn', `${redactSource(this.o.source)} is damaged (ffmpeg: ${damage}): the count covers only the frames that could be decoded`);
  }

  private async readWithin(ms: number) {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.runs.reader.close();
    }, ms);
    try {
      const f = await this.runs.reader.next();
      if (timedOut) throw new WorkerError('SOURCE_TIMEOUT', `no frame from ${redactSource(this.o.source)} for ${ms / 1000} s`);
      return f;
    } catch (err) {
      throw sourceError(err);
    } finally {
      clearTimeout(timer);
    }
  }
}
