import { Worker } from 'node:worker_threads';
import { disableOrtTelemetry } from '../models/telemetry.js';
import { centernet } from '../vision/formats/centernet.js';
import type { ModelFormatName } from '../vision/formats/format.js';
import { yolov8 } from '../vision/formats/yolov8.js';
import { yolox } from '../vision/formats/yolox.js';
import { letterbox, type Letterbox, type PadAlign } from '../vision/letterbox.js';
import type { Detection } from '../vision/types.js';
import type { Detector, DetectorOptions } from './detector.js';
import type { FromDetector, ToDetector } from './detector-thread-entry.js';
import { WorkerError, toWorkerError } from './errors.js';

export type DetectorHandle = Omit<Detector, 'infer'>;

const PAD_ALIGN: Record<ModelFormatName, PadAlign> = {
  centernet: centernet.padAlign,
  yolox: yolox.padAlign,
  yolov8: yolov8.padAlign,
};

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
  const pending = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void; slot: SharedArrayBuffer }>();
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

  function handle(info: Extract<FromDetector, { type: 'ready' }>['info']): DetectorHandle {
    const align = PAD_ALIGN[info.format];
    return {
      ...info,
      geometryFor: (w: number, h: number) => letterbox(w, h, info.inputWidth, info.inputHeight, align),
      detect(rgb: Uint8Array, geometry: Letterbox): Promise<Detection[]> {
        if (dead) return Promise.reject(dead);
        if (pending.size >= MAX_IN_FLIGHT) {
          return Promise.reject(new WorkerError('INTERNAL', `detect() called with ${pending.size} frames already queued`));
        }
        const slot = freeSlot(rgb.length);
        new Uint8Array(slot, 0, rgb.length).set(rgb);
        const id = nextId++;
        const msg: ToDetector = { type: 'detect', id, frame: slot, length: rgb.length, geometry };
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject, slot });
          thread.postMessage(msg);
        });
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
