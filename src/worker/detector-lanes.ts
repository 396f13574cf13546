import type { ModelThread } from './model-thread.js';

/**
 * A worker with two or more threads for itself runs the detector as two sessions, each in its own thread with half
 * the intra-op threads, and two frames at once, instead of one session with all the threads on one frame at a time.
 * With one intra-op thread a session runs on its calling thread alone: no hand-over between onnxruntime's threads for
 * every parallel loop of the model, no thread left waiting for the other's share, which costs CPU on a machine whose
 * cores are all taken (see README, "Throughput and memory"). The two frames: detecting on every frame, the frame loop
 * sends frame N+1 before it counts frame N; on a file, it also sends the next detection frame not sent yet ahead on
 * the crop plan in force whenever a session is free, and keeps that answer only if the plan is still the same when
 * the frame's turn comes (frame-ahead.ts). A live source that skips frames keeps one session with all the threads: its next detection
 * frame has not been filmed yet, so there is never a second frame to run, and one frame is detected sooner by two
 * threads than by one. A worker given one thread (many cameras on few cores) keeps one session with one thread.
 *
 * Which session detects a frame does not change its detections: the sessions are the same model with the same
 * options, and the crop plan of a frame is fixed by the caller before it is sent.
 */

/** onnxruntime threads of a detector when none are asked for (a worker alone on a 2-core machine). */
export const DEFAULT_THREADS = 2;

/** onnxruntime threads of one detector at most: the command line refuses more before anything starts. */
export const MAX_THREADS = 64;

/** Sessions at most: the frame loop has two frames in the detector at once. */
export const MAX_LANES = 2;

/**
 * Frames in the detector at once: one being detected and the next behind it (or beside it, with two lanes). The
 * detector refuses more (detector-thread.ts); the frame loop waits for an answer instead (frame-ahead.ts).
 */
export const MAX_IN_FLIGHT = 2;

/**
 * Whether the frame loop sends detection frames ahead of their turn (frame-ahead.ts): files. Detecting on every frame,
 * the frame after the next one goes as soon as a session answers, before the frame it answered is counted.
 */
export function sendsAhead(live: boolean): boolean {
  return !live;
}

/**
 * The intra-op threads of each session for a worker given `threads` threads that detects on every `skipFrames`-th
 * frame: [1] for 1 thread, [1, 1] for 2, [2, 1] for 3; one session of all of them for a live source that skips frames.
 */
export function laneThreads(threads: number, skipFrames = 1, live = false): number[] {
  const lanes = skipFrames === 1 || sendsAhead(live) ? Math.min(MAX_LANES, threads) : 1;
  return Array.from({ length: lanes }, (_, i) => Math.floor(threads / lanes) + (i < threads % lanes ? 1 : 0));
}

/**
 * Requests spread over model threads: each goes to the thread with the fewest requests pending (the first of those),
 * so with as many requests in flight as threads every request runs at once. Each answer goes to its own caller,
 * whichever thread finishes first.
 */
export class Lanes<Request, Reply> {
  constructor(private readonly threads: readonly ModelThread<Request, Reply>[]) {
    if (threads.length === 0) throw new Error('Lanes: no model thread');
  }

  get pending(): number {
    return this.threads.reduce((n, t) => n + t.pending, 0);
  }

  request(body: Request): Promise<Reply> {
    let lane = this.threads[0];
    for (const t of this.threads) if (t.pending < lane.pending) lane = t;
    return lane.request(body);
  }

  async release(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.release()));
  }
}
