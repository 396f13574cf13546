import type { Tile } from '../vision/crop-plan.js';
import type { YuvFrame } from '../vision/resample.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import type { Detector, DetectorOptions } from './detector.js';
import type { DetectorInfo, TilesReply, TilesRequest } from './detector-thread-entry.js';
import { WorkerError } from './errors.js';
import type { FramePool } from './frame-pool.js';
import { DEFAULT_THREADS, Lanes, laneThreads, MAX_IN_FLIGHT } from './detector-lanes.js';
import { startModelThread, type ModelThread } from './model-thread.js';

/** The worker only runs crop plans (detectTiles); `detect` on one letterboxed frame stays with the in-thread detector. */
export type DetectorHandle = Omit<Detector, 'infer' | 'detect' | 'geometryFor'> & {
  /** The intra-op threads of each session (one session a thread; detector-lanes.ts). */
  sessionThreads: number[];
  /** Frames sent and not answered yet. */
  readonly pending: number;
};


/**
 * The detector in worker threads (see detector-thread-entry.ts for why), behind the same interface as
 * `createDetector`, with up to MAX_IN_FLIGHT frames queued, spread over the sessions detector-lanes.ts gives a worker
 * that detects on every `skipFrames`-th frame of a file or a `live` source. Model errors keep their protocol codes. A
 * frame held in `pool` is shared memory already: a thread reads it where it is, and holds it until its answer. Other
 * frames are copied into a small pool of shared buffers of its own, so nothing frame-sized is allocated per frame.
 */
export async function createThreadedDetector(opts: DetectorOptions, pool?: FramePool, skipFrames = 1, live = false): Promise<DetectorHandle> {
  const threads = opts.threads ?? DEFAULT_THREADS;
  // A wrong count goes to one thread as it is, whose detector rejects it with its protocol code.
  const shares = Number.isInteger(threads) && threads >= 1 && threads <= 64 ? laneThreads(threads, skipFrames, live) : [threads];
  const entry = new URL('./detector-thread-entry.js', import.meta.url);
  const started = await Promise.allSettled(
    shares.map((n, i) => startModelThread<DetectorInfo, TilesRequest, TilesReply>(entry, { ...opts, threads: n }, shares.length > 1 ? `detector ${i + 1}` : 'detector')),
  );
  const ready: { info: DetectorInfo; thread: ModelThread<TilesRequest, TilesReply> }[] = [];
  const failures: unknown[] = [];
  for (const s of started) {
    if (s.status === 'fulfilled') ready.push(s.value);
    else failures.push(s.reason);
  }
  if (failures.length > 0) {
    await Promise.all(ready.map((r) => r.thread.release()));
    throw failures[0];
  }
  const info = ready[0].info;
  const thread = new Lanes(ready.map((r) => r.thread));
  const slots: SharedArrayBuffer[] = [];
  const busy = new Set<SharedArrayBuffer>();
  const freeSlot = (bytes: number): SharedArrayBuffer => {
    let slot = slots.find((s) => !busy.has(s) && s.byteLength >= bytes);
    if (!slot) {
      slot = new SharedArrayBuffer(bytes);
      slots.push(slot);
    }
    return slot;
  };
  return {
    ...info,
    sessionThreads: shares,
    get pending() {
      return thread.pending;
    },
    async detectTiles(frame: YuvFrame, tiles: readonly Tile[]): Promise<MergedDetection[]> {
      if (thread.pending >= MAX_IN_FLIGHT) {
        throw new WorkerError('INTERNAL', `detect() called with ${thread.pending} frames already queued`);
      }
      const { width, height, data } = frame;
      if (pool?.isHeld(data)) {
        pool.retain(data);
        try {
          return await thread.request({ frame: data.buffer as SharedArrayBuffer, length: data.length, width, height, tiles: [...tiles] });
        } finally {
          pool.release(data);
        }
      }
      const slot = freeSlot(data.length);
      new Uint8Array(slot, 0, data.length).set(data);
      // The slot is not reused before its answer arrives.
      busy.add(slot);
      try {
        return await thread.request({ frame: slot, length: data.length, width, height, tiles: [...tiles] });
      } finally {
        busy.delete(slot);
      }
    },
    release: () => thread.release(),
  };
}
