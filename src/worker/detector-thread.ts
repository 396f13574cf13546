import { Worker } from 'node:worker_threads';
import { disableOrtTelemetry } from '../models/telemetry.js';
import type { Tile } from '../vision/crop-plan.js';
import type { YuvFrame } from '../vision/resample.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import type { Detector, DetectorOptions } from './detector.js';
import type { FromDetector, ToDetector } from './detector-thread-entry.js';
import { WorkerError, toWorkerError } from './errors.js';

/** The worker only runs crop plans (detectTiles); `detect` on one letterboxed frame stays with the in-thread detector. */
export type DetectorHandle = Omit<Detector, 'infer' | 'detect' | 'geometryFor'>;

const RELEASE_TIMEOUT_MS = 3000;
/** One frame being detected and the next one queued behind it: the thread never waits for the main thread. */
const MAX_IN_FLIGHT = 2;

/**
 * The detector in a worker thread (see detector-thread-entry.ts for why), behind the same interface as
 * `createDetector`, with up to MAX_IN_FLIGHT frames queued. Model errors keep their protocol codes. Frames travel
 * through a small pool of shared buffers, so nothing frame-sized is allocated per frame.
 */
export function createThreadedDetector(opts: DetectorOptions): Promise<DetectorHandle> {
  disableOrtTelemetry();
  const thread = new Worker(new URL('./detector-thread-entry.js', import.meta.url), { workerData: opts, stdout: true });
  // The thread's stdout is not the worker's stdout (that carries only events): whatever it prints goes to stderr.
  thread.stdout.pipe(process.stderr, { end: false });
  const pending = new Map<number, { resolve: (d: MergedDetection[]) => void; reject: (e: Error) => void; slot: SharedArrayBuffer }>();
  let nextId = 1;
  const slots: SharedArrayBuffer[] = [];
  const freeSlot = (bytes: number): SharedArrayBuffer => {
    const busy = new Set([...pending.values()].map((p) => p.slot));
    let slot = slots.find((s) => !busy.has(s) && s.byteLength >= bytes);
    if (!slot) {
      slot = new SharedArrayBuffer(bytes);
      slots.push(slot);
    }
    return slot;
  };
  let dead: Error | null = null;
  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  return new Promise((resolve, reject) => {
    thread.on('error', (err) => {
      const e = new WorkerError('INTERNAL', `detector thread failed: ${err.message}`);
      fail(e);
      reject(e);
    });
    thread.on('exit', (code) => {
      const e = new WorkerError('INTERNAL', `detector thread exited (code ${code})`);
      fail(e);
      reject(e);
    });
    thread.on('message', (m: FromDetector) => {
      if (m.type === 'ready') {
        resolve(handle(m.info));
      } else if (m.type === 'detections') {
        pending.get(m.id)?.resolve(m.detections);
        pending.delete(m.id);
      } else if (m.id === null) {
        reject(toWorkerError(Object.assign(new Error(m.message), { code: m.code })));
        void thread.terminate();
      } else {
        pending.get(m.id)?.reject(toWorkerError(Object.assign(new Error(m.message), { code: m.code })));
        pending.delete(m.id);
      }
    });
  });

  /** Copies `bytes` into a free shared slot and sends the request `make` builds around it. */
  function request(bytes: Uint8Array, make: (id: number, slot: SharedArrayBuffer) => ToDetector): Promise<MergedDetection[]> {
    if (dead) return Promise.reject(dead);
    if (pending.size >= MAX_IN_FLIGHT) {
      return Promise.reject(new WorkerError('INTERNAL', `detect() called with ${pending.size} frames already queued`));
    }
    const slot = freeSlot(bytes.length);
    new Uint8Array(slot, 0, bytes.length).set(bytes);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, slot });
      thread.postMessage(make(id, slot));
    });
  }

  function handle(info: Extract<FromDetector, { type: 'ready' }>['info']): DetectorHandle {
    return {
      ...info,
      detectTiles(frame: YuvFrame, tiles: readonly Tile[]): Promise<MergedDetection[]> {
        const { width, height, data } = frame;
        return request(data, (id, slot) => ({ type: 'tiles', id, frame: slot, length: data.length, width, height, tiles: [...tiles] }));
      },
      async release(): Promise<void> {
        if (dead) return;
        const exited = new Promise<void>((r) => thread.once('exit', () => r()));
        thread.postMessage({ type: 'release' } satisfies ToDetector);
        const timer = setTimeout(() => void thread.terminate(), RELEASE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}
