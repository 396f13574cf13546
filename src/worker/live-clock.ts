/**
 * Time of live frames. A frame carries two clocks: when it arrived (wall) and where it sits in the stream (media:
 * frame index / frame rate, exact spacing but blind to frames the camera or network lost). Normally the content
 * spacing is the media one, so that frames arriving in a clump (network jitter, a slow pump) still move people by the
 * right amount per second.
 *
 * After a stall, what arrives first is a backlog: content seconds old, delivered faster than real time. Fed to the
 * tracker with arrival times it made people jump (false crossings); so frames whose content lags more than `staleSeconds`
 * behind the freshest delivery seen are stale and dropped. Once the backlog has drained, media spacing goes on (the
 * content in between existed, it was only late). A lag that stays high without draining (the camera skipped content,
 * or its clock runs slow) becomes the new baseline after `resyncSeconds`; that frame, and the first frame of a new run,
 * is placed by the wall time since the last frame that was not stale: a real gap, which the tracker sees as such.
 */
export interface LiveClockOptions {
  /** Content this much older than the freshest delivery is stale (s). */
  staleSeconds: number;
  /** A stale lag that has not drained for this long (s of wall time) is accepted as the new baseline. */
  resyncSeconds: number;
  /** How fast the baseline may creep up by itself, as a fraction of elapsed time (camera clocks that run slow). */
  leak: number;
}

export const DEFAULT_LIVE_CLOCK: Readonly<LiveClockOptions> = Object.freeze({
  // Network jitter and decode bursts stay well under a second; a stall that piles up frames is longer.
  staleSeconds: 1,
  resyncSeconds: 1,
  // 1 %: a camera that says 25 fps and delivers 24.9 is absorbed; a stall of seconds is not.
  leak: 0.01,
});

export type ClockReading = { stale: true } | { stale: false; t: number };

export class LiveClock {
  private readonly o: LiveClockOptions;
  /** Time given to the last frame that was not stale, and the wall and media times it arrived with. */
  private last: { t: number; wall: number; media: number } | null = null;
  /** Smallest lag (wall − media) of this run, leaking upwards. */
  private baseline: number | null = null;
  private prevWall = 0;
  /** A new run started: its first frame is placed by wall time. */
  private gap = false;
  /** While stale: the lowest lag seen and when it last fell by a noticeable step (draining). */
  private drain: { lag: number; since: number } | null = null;

  constructor(options: Partial<LiveClockOptions> = {}) {
    this.o = { ...DEFAULT_LIVE_CLOCK, ...options };
  }

  /** A new ffmpeg run: media time starts again, and the time until its first frame is a gap. */
  newRun(): void {
    this.baseline = null;
    this.drain = null;
    this.gap = this.last !== null;
  }

  /** A frame arrived at `wall` seconds (monotonic) with media time `media` seconds into the current run. */
  observe(wall: number, media: number): ClockReading {
    const lag = wall - media;
    if (this.baseline === null) this.baseline = lag;
    else this.baseline = Math.min(lag, this.baseline + this.o.leak * Math.max(0, wall - this.prevWall));
    this.prevWall = wall;
    let resynced = false;
    if (lag - this.baseline > this.o.staleSeconds) {
      if (!this.drain || lag < this.drain.lag - this.o.staleSeconds / 4) this.drain = { lag, since: wall };
      if (wall - this.drain.since < this.o.resyncSeconds) return { stale: true };
      this.baseline = lag;
      resynced = true;
    }
    this.drain = null;
    let t: number;
    if (!this.last) t = wall;
    // Media time cannot see content the camera never sent; wall time can.
    else if (this.gap || resynced) t = this.last.t + (wall - this.last.wall);
    // Including right after a drained backlog: the content in between existed, only late.
    else t = this.last.t + Math.max(0, media - this.last.media);
    this.gap = false;
    this.last = { t, wall, media };
    return { stale: false, t };
  }
}
