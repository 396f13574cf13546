import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { FaceAnalyser } from '../../faces/analyser.js';
import { analyseViews, type ViewResult } from '../../faces/view-analysis.js';
import { WORKER_SESSION_OVERRIDES } from '../setup.js';

/**
 * The face models' own thread, like the detector's: a batch runs here while the worker's main thread keeps counting.
 * Head regions arrive as transferred buffers and are dropped as soon as the batch is answered.
 */
export interface AnalyserThreadOptions {
  threads: number;
  minFacePx: number;
}
export type ToAnalyser =
  | { type: 'analyse'; id: number; views: { width: number; height: number; data: Uint8Array; scale: number }[] }
  | { type: 'release' };
export type FromAnalyser =
  | { type: 'ready' }
  | { type: 'results'; id: number; results: ViewResult[]; ms: number }
  | { type: 'failed'; id: number | null; code: string; message: string };

const port = parentPort!;
console.log = console.info = console.debug = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);
const send = (m: FromAnalyser) => port.postMessage(m);
const failure = (id: number | null, err: unknown): FromAnalyser => ({
  type: 'failed',
  id,
  code: typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'INTERNAL',
  message: err instanceof Error ? err.message : String(err),
});

async function main(): Promise<void> {
  const o = workerData as AnalyserThreadOptions;
  let analyser: FaceAnalyser;
  try {
    analyser = await FaceAnalyser.open({ threads: o.threads, sessionOverrides: WORKER_SESSION_OVERRIDES });
  } catch (err) {
    send(failure(null, err));
    return;
  }
  send({ type: 'ready' });
  let queue = Promise.resolve();
  port.on('message', (m: ToAnalyser) => {
    if (m.type === 'release') {
      queue = queue.then(() => analyser.release()).finally(() => port.close());
      return;
    }
    const views = m.views.map((v) => ({ image: { width: v.width, height: v.height, data: v.data }, scale: v.scale }));
    queue = queue.then(() => {
      const started = performance.now();
      return analyseViews(analyser, views, o.minFacePx).then(
        (results) => send({ type: 'results', id: m.id, results, ms: performance.now() - started }),
        (err: unknown) => send(failure(m.id, err)),
      );
    });
  });
}

void main();
