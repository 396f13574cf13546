import { Worker, type Transferable } from 'node:worker_threads';
import { disableOrtTelemetry } from '../models/telemetry.js';
import { WorkerError, toWorkerError } from './errors.js';

/**
 * A model in its own worker thread (the detector, the face models): numbered requests, each answered by a reply or a
 * failure with its protocol code, in any order. The thread's side is `serveModel` (model-thread-entry.ts).
 */

/** What a model thread sends: `ready` once its model is loaded (or `failed` with id null), then one answer a request. */
export type FromModelThread<Info, Reply> =
  | { type: 'ready'; info: Info }
  | { type: 'reply'; id: number; reply: Reply }
  | { type: 'failed'; id: number | null; code: string; message: string };

/** A request carries its `id`; `release` ends the thread once what is queued is done. */
export type ToModelThread<Request> = (Request & { type: 'request'; id: number }) | { type: 'release' };

export interface ModelThread<Request, Reply> {
  /** Requests sent and not answered yet. */
  readonly pending: number;
  /** Sends one request (its buffers in `transfer` move to the thread); rejects once the thread has failed. */
  request(body: Request, transfer?: readonly Transferable[]): Promise<Reply>;
  /** Lets the thread finish and exit (terminated if it takes longer than RELEASE_TIMEOUT_MS). */
  release(): Promise<void>;
}

const RELEASE_TIMEOUT_MS = 3000;

/** Starts `entry` with `workerData`; resolves once the model is loaded. `name` says which thread in messages. */
export function startModelThread<Info, Request, Reply>(entry: URL, workerData: unknown, name: string): Promise<{ info: Info; thread: ModelThread<Request, Reply> }> {
  disableOrtTelemetry();
  const worker = new Worker(entry, { workerData, stdout: true });
  // The thread's stdout is not the worker's stdout (that carries only events): whatever it prints goes to stderr.
  worker.stdout.pipe(process.stderr, { end: false });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const thread: ModelThread<Request, Reply> = {
    get pending() {
      return pending.size;
    },
    request(body, transfer = []) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise<Reply>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...body, type: 'request', id } satisfies ToModelThread<Request>, transfer);
      });
    },
    async release() {
      if (dead) return;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ type: 'release' } satisfies ToModelThread<Request>);
      const timer = setTimeout(() => void worker.terminate(), RELEASE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    worker.on('error', (err) => {
      const e = new WorkerError('INTERNAL', `${name} thread failed: ${err.message}`);
      fail(e);
      reject(e);
    });
    worker.on('exit', (code) => {
      const e = new WorkerError('INTERNAL', `${name} thread exited (code ${code})`);
      fail(e);
      reject(e);
    });
    worker.on('message', (m: FromModelThread<Info, Reply>) => {
      if (m.type === 'ready') {
        resolve({ info: m.info, thread });
        return;
      }
      const answered = m.id === null ? undefined : pending.get(m.id);
      if (m.id !== null) pending.delete(m.id);
      if (m.type === 'reply') answered?.resolve(m.reply);
      else {
        const e = toWorkerError(Object.assign(new Error(m.message), { code: m.code }));
        if (answered) answered.reject(e);
        else if (m.id === null) {
          reject(e);
          void worker.terminate();
        }
      }
    });
  });
}
