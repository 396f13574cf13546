import type { FrameSize, Tile } from '../vision/crop-plan.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import { MAX_IN_FLIGHT } from './detector-lanes.js';
import type { DetectorHandle } from './detector-thread.js';
import type { Frame, FrameSource } from './source.js';
import type { StopController } from './stop.js';

/**
 * The frames of the frame loop, in order, and on a file the detection frames sent ahead of their turn, so that both
 * sessions stay busy. A frame's crop plan is the one in force when its turn comes (the frame two before it counted):
 * at skip k > 1 that is after the previous detection frame was counted, and at skip 1 after the frame before was
 * counted, so a session that answered would wait, idle, for the frame loop to count the frames before the one it could
 * take next. So as soon as a session is free (also the moment an answer comes, before that frame is counted), the next
 * detection frame not sent yet goes on the plan in force then, a guess; at its turn the guess is kept only if the
 * plan's tiles are the same as the ones it ran (the detections are a function of the pixels and the tiles), and
 * otherwise the frame is sent again on its own plan and the guess thrown away. The detections are the same either way;
 * only how soon they come changes (README, "Throughput and memory").
 */

/**
 * Detection frames the queue may reach ahead of the frame loop: the one after the frame in hand, and the one after that
 * (sent when the frame in hand is answered, while the next is still in the other session).
 */
const AHEAD_PASSES = 2;

/** A detection frame sent ahead on `tiles`. */
export interface Guess {
  tiles: readonly Tile[];
  detections: Promise<MergedDetection[]>;
  /** Milliseconds from sending to the answer. */
  took: Promise<number>;
}

export interface FrameAhead {
  frame: Frame;
  guess: Guess | null;
}

/** Whether two lists of tiles are the same, tile for tile, in the same order (tile-merge.ts follows the order). */
export function sameTiles(a: readonly Tile[], b: readonly Tile[]): boolean {
  if (a === b) return true;
  const keys = ['x', 'y', 'w', 'h', 'inputWidth', 'inputHeight', 'scaledWidth', 'scaledHeight'] as const;
  return a.length === b.length && a.every((t, i) => keys.every((k) => t[k] === b[i][k]));
}

/** `frame` sent to the detector on `tiles`, timed. */
export function send(detector: Pick<DetectorHandle, 'detectTiles'>, frame: Frame, tiles: readonly Tile[]): Guess {
  const sent = performance.now();
  const detections = detector.detectTiles({ width: frame.width, height: frame.height, data: frame.data }, tiles);
  const took = detections.then(() => performance.now() - sent);
  // Awaited later, in order, or thrown away; until then a failure must not count as unhandled.
  took.catch(() => undefined);
  return { tiles, detections, took };
}

export interface AheadOptions {
  source: Pick<FrameSource, 'next' | 'release'>;
  stop: Pick<StopController, 'stopped'>;
  maxFrames?: number;
  skipFrames: number;
  /** Whether to send detection frames ahead at all (detector-lanes.ts: sendsAhead, and more than one session). */
  guessing: boolean;
  detector: Pick<DetectorHandle, 'detectTiles' | 'pending' | 'sessionThreads'>;
}

export class FramesAhead {
  private readonly queue: FrameAhead[] = [];
  /**
   * Every frame sent (guessed or at its turn), until answered: a frame sent again waits for a place among them, and
   * the run does not end (and release the detector) under one. Settled either way, never rejected.
   */
  private readonly inFlight = new Set<Promise<void>>();
  private readCount = 0;
  private ended = false;
  /** A read ahead that failed: thrown when the frames before it have been taken, where the loop would have read it. */
  private failed: { error: unknown } | null = null;
  private kept = 0;
  private thrown = 0;

  constructor(private readonly o: AheadOptions) {}

  get guessing(): boolean {
    return this.o.guessing;
  }

  /** The next frame and the guess sent for it, if any; null at the end, at maxFrames or once a stop was asked for. */
  async next(): Promise<FrameAhead | null> {
    if (this.o.stop.stopped) return null;
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.failed) throw this.failed.error;
    const frame = await this.readFrame();
    return frame ? { frame, guess: null } : null;
  }

  /**
   * The detections of detection frame `got` at its turn, on `tiles` (the plan in force now): the guess sent ahead if it
   * ran the same tiles, else the frame sent now, once the detector has room for it. A thrown guess still holds its
   * place until answered, and the two others may be taken too: the frame before this one (in the detector since its
   * turn) and the guess for the frame after it, sent when the thrown guess had been answered first.
   */
  async detect(got: FrameAhead, tiles: readonly Tile[]): Promise<Guess> {
    if (got.guess && sameTiles(got.guess.tiles, tiles)) {
      this.kept += 1;
      return got.guess;
    }
    if (got.guess) this.thrown += 1;
    while (this.o.detector.pending >= MAX_IN_FLIGHT && this.inFlight.size > 0) await Promise.race(this.inFlight);
    return this.sendNow(got.frame, tiles);
  }

  /** How many guesses were kept, and thrown away (the plan had changed before their turn): for the log. */
  get guesses(): { kept: number; thrown: number } {
    return { kept: this.kept, thrown: this.thrown };
  }

  /**
   * When a session is free: reads on (at most AHEAD_PASSES detection frames' worth of frames) to the first detection
   * frame not sent yet and sends it on `plan`'s tiles, unless it is of another size than the plan's frame (its turn
   * makes a new plan).
   */
  async guessNext(plan: { frame: FrameSize; plan: { tiles: readonly Tile[] } }): Promise<void> {
    const { detector } = this.o;
    if (!this.o.guessing || detector.pending >= detector.sessionThreads.length) return;
    let ahead = this.queue.find((a) => a.frame.detect && !a.guess);
    while (!ahead && this.queue.length < AHEAD_PASSES * this.o.skipFrames && !this.o.stop.stopped && !this.failed) {
      let frame: Frame | null;
      try {
        frame = await this.readFrame();
      } catch (error) {
        this.failed = { error };
        return;
      }
      if (!frame) return;
      this.queue.push({ frame, guess: null });
      if (frame.detect) ahead = this.queue.at(-1);
    }
    if (!ahead || ahead.frame.width !== plan.frame.width || ahead.frame.height !== plan.frame.height) return;
    ahead.guess = this.sendNow(ahead.frame, plan.plan.tiles);
  }

  /** Gives the frames read and never taken back to the source, once every frame sent is answered. */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    for (const a of this.queue.splice(0)) this.o.source.release(a.frame);
  }

  /** `send`, kept in inFlight until answered. */
  private sendNow(frame: Frame, tiles: readonly Tile[]): Guess {
    const sent = send(this.o.detector, frame, tiles);
    const answered = sent.took.then(
      () => void this.inFlight.delete(answered),
      () => void this.inFlight.delete(answered),
    );
    this.inFlight.add(answered);
    return sent;
  }

  private async readFrame(): Promise<Frame | null> {
    if (this.ended || (this.o.maxFrames !== undefined && this.readCount >= this.o.maxFrames)) return null;
    const frame = await this.o.source.next();
    if (frame) this.readCount += 1;
    else this.ended = true;
    return frame;
  }
}
