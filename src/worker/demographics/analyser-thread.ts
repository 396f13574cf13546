import { Worker } from 'node:worker_threads';
import type { HeadView, ViewResult } from '../../faces/view-analysis.js';
import { disableOrtTelemetry } from '../../models/telemetry.js';
import { WorkerError, toWorkerError } from '../errors.js';
import type { AnalyserThreadOptions, FromAnalyser, ToAnalyser } from './analyser-thread-entry.js';

const RELEASE_TIMEOUT_MS = 3000;

export interface AnalyserHandle {
  analyse(views: HeadView[]): Promise<ViewResult[]>;
  /** Milliseconds the thread spent analysing so far. */
  busyMs(): number;
  release(): Promise<void>;
}

/** Starts the face analysis thread; resolves once its models are loaded (MODEL_* errors keep their codes). */
export function startAnalyserThread(o: AnalyserThreadOptions): Promise<AnalyserHandle> {
  disableOrtTelemetry();
  const thread = new Worker(new URL('./analyser-thread-entry.js', import.meta.url), { workerData: o, stdout: true });
  thread.stdout.pipe(process.stderr, { end: false });
  const pending = new Map<number, { resolve: (r: ViewResult[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let busy = 0;
  let dead: Error | null = null;
  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  return new Promise((resolve, reject) => {
    thread.on('error', (err) => {
      const e = new WorkerError('INTERNAL', `face analysis thread failed: ${err.message}`);
      fail(e);
      reject(e);
    });
    thread.on('exit', (code) => {
      const e = new WorkerError('INTERNAL', `face analysis thread exited (code ${code})`);
      fail(e);
      reject(e);
    });
    thread.on('message', (m: FromAnalyser) => {
      if (m.type === 'ready') resolve(handle());
      else if (m.type === 'results') {
        busy += m.ms;
        pending.get(m.id)?.resolve(m.results);
        pending.delete(m.id);
      } else {
        const e = toWorkerError(Object.assign(new Error(m.message), { code: m.code }));
        if (m.id === null) {
          reject(e);
          void thread.terminate();
        } else {
          pending.get(m.id)?.reject(e);
          pending.delete(m.id);
        }
      }
    });
  });

  function handle(): AnalyserHandle {
    return {
      analyse(views) {
        if (dead) return Promise.reject(dead);
        const id = nextId++;
        const msg: ToAnalyser = {
          type: 'analyse',
          id,
          views: views.map((v) => ({ width: v.image.width, height: v.image.height, data: v.image.data, scale: v.scale })),
        };
        return new Promise((res, rej) => {
          pending.set(id, { resolve: res, reject: rej });
          // The pixels move to the thread: nothing of them stays on this side.
          thread.postMessage(msg, views.map((v) => v.image.data.buffer as ArrayBuffer));
        });
      },
      busyMs: () => busy,
      async release() {
        if (dead) return;
        const exited = new Promise<void>((r) => thread.once('exit', () => r()));
        thread.postMessage({ type: 'release' } satisfies ToAnalyser);
        const timer = setTimeout(() => void thread.terminate(), RELEASE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}
