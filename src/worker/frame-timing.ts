/**
 * Numbers and times the frames of one ffmpeg run, in the order they are handed out. Pure: ffmpeg's lines and the
 * clock come in as numbers.
 *
 * - A frame's index is its 0-based place among the source's decoded frames: `every: N` keeps 0, N, 2N, …, and a run
 *   that starts later is offset by the first frame's own time × fps (a seek can land after the point asked for), else
 *   by round(start × fps) once the header gives the frame rate.
 * - Its time is its place on the frame-rate grid unless ffmpeg's own time for it (showinfo, `frameTimes`) is more than
 *   half a frame off (frameTime); without a frame rate, the wall time since the first frame.
 */
export interface FrameTimingOptions {
  every: number;
  /** Where ffmpeg was asked to seek (ffmpeg-args.ts, seekOf), or null. */
  seek: { ss: number } | null;
  /** The run starts this many seconds into the video. */
  startSeconds?: number;
  /** Where the video's first frame is in the container. */
  videoStart?: number;
  /** ffmpeg prints each frame's own time (showinfo) before writing it. */
  frameTimes?: boolean;
}

export interface FrameStamp {
  index: number;
  ptsSeconds: number;
  /** ffmpeg's own time for the frame, seconds after the video's first frame; null when it did not say. */
  ownSeconds: number | null;
}

export class FrameTiming {
  /** ffmpeg's own time of each frame it wrote, by its place among them. */
  private readonly times: number[] = [];
  private startIndex = 0;
  private firstFrameAt = 0;
  /** Frames stamped so far. */
  stamped = 0;

  constructor(private readonly o: FrameTimingOptions) {}

  /** ffmpeg's showinfo line for its n-th frame out (0-based): that frame's time. */
  heard(n: number, seconds: number): void {
    this.times[n] = seconds;
  }

  /** The header gave the frame rate: a run that starts later is offset by its start, until its first frame says more. */
  rateKnown(fps: number | null): void {
    if (this.o.startSeconds && fps) this.startIndex = Math.round(this.o.startSeconds * fps);
  }

  /** The first frame arrived, at `now` (ms): frames of a source without a frame rate are timed from here. */
  firstFrame(now: number): void {
    this.firstFrameAt = now;
  }

  /** Whether the next frame's own time is in (or not awaited: no `frameTimes`). */
  get nextTimeKnown(): boolean {
    return !this.o.frameTimes || this.times.length > this.stamped;
  }

  /** The next frame's number and time; `fps` from the header (null when unknown), `now` in ms. */
  stamp(fps: number | null, now: number): FrameStamp {
    const k = this.stamped++;
    const own = this.ownTime(k);
    if (k === 0 && this.o.seek && fps && own !== null) this.startIndex = Math.round(own * fps);
    const index = this.startIndex + k * this.o.every;
    const ptsSeconds = fps ? frameTime(index / fps, own ?? undefined, fps) : (now - this.firstFrameAt) / 1000;
    return { index, ptsSeconds, ownSeconds: own };
  }

  /**
   * Frame k's own time, from the video's first frame. ffmpeg times the frames of a file it did not seek in from the
   * video's first frame (an MPEG-TS) or from the container's start (a Matroska file whose sound starts first), and
   * after a seek from the seek point on the container's timeline.
   */
  private ownTime(k: number): number | null {
    const t = this.times[k];
    if (t === undefined || !Number.isFinite(t)) return null;
    if (this.o.seek) return this.o.seek.ss + t - (this.o.videoStart ?? 0);
    return t - (this.times[0] ?? 0);
  }
}

/**
 * A frame's time: its place on the frame-rate grid (index / fps, exact and the same on every run), unless ffmpeg's own
 * time for it is more than half a frame away from it (the recording paused, or its rate varies): that time then.
 */
export function frameTime(grid: number, own: number | undefined, fps: number): number {
  return own === undefined || !Number.isFinite(own) || Math.abs(own - grid) <= 0.5 / fps ? grid : own;
}
