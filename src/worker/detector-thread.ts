import type { Tile } from '../vision/crop-plan.js';
import type { YuvFrame } from '../vision/resample.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import type { Detector, DetectorOptions } from './detector.js';
import type { DetectorInfo, TilesReply, TilesRequest } from './detector-thread-entry.js';
import { WorkerError } from './errors.js';
import type { FramePool } from './frame-pool.js';
import { startModelThread } from './model-thread.js';

/** The worker only runs crop plans (detectTiles); `detect` on one letterboxed frame stays with the in-thread detector. */
export type DetectorHandle = Omit<Detector, 'infer' | 'detect' | 'geometryFor'>;

/** One frame being detected and the next one queued behind it: the thread never waits for the main thread. */
const MAX_IN_FLIGHT = 2;

/**
 * The detector in a worker thread (see detector-thread-entry.ts for why), behind the same interface as
 * `createDetector`, with up to MAX_IN_FLIGHT frames queued. Model errors keep their protocol codes. A frame held in
 * `pool` is shared memory already: the thread reads it where it is, and holds it until its answer. Other frames are
 * copied into a small pool of shared buffers of its own, so nothing frame-sized is allocated per frame.
 */
export async function createThreadedDetector(opts: DetectorOptions, pool?: FramePool): Promise<DetectorHandle> {
  const { info, thread } = await startModelThread<DetectorInfo, TilesRequest, TilesReply>(new URL('./detector-thread-entry.js', import.meta.url), opts, 'detector');
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
