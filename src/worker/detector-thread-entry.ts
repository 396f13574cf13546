import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'node:util';
import type { Tile } from '../vision/crop-plan.js';
import { createDetector, type Detector, type DetectorOptions } from './detector.js';

/**
 * The detector's own thread. onnxruntime-node runs a session synchronously on the calling thread, so here it blocks
 * this thread only: the worker's main thread keeps draining ffmpeg's pipe (decode overlaps inference), keeps a live
 * source current, and answers signals and stdin while a frame is being detected.
 */

/**
 * `frame` is shared memory the main thread filled for this request; it is not reused before the answer arrives, so
 * no frame-sized buffer is allocated per frame on either side.
 */
export type ToDetector =
  | { type: 'tiles'; id: number; frame: SharedArrayBuffer; length: number; width: number; height: number; tiles: Tile[] }
  | { type: 'release' };
export type FromDetector =
  | {
      type: 'ready';
      info: Pick<Detector, 'format' | 'modelPath' | 'inputWidth' | 'inputHeight' | 'fixedInput' | 'confidence' | 'padValue'>;
    }
  | { type: 'detections'; id: number; detections: Awaited<ReturnType<Detector['detectTiles']>> }
  | { type: 'failed'; id: number | null; code: string; message: string };

const port = parentPort!;
// Anything a library prints must not reach the worker's stdout, which carries only events.
console.log = console.info = console.debug = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);

const send = (m: FromDetector) => port.postMessage(m);
const failure = (id: number | null, err: unknown): FromDetector => ({
  type: 'failed',
  id,
  code: typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'INTERNAL',
  message: err instanceof Error ? err.message : String(err),
});

async function main(): Promise<void> {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  let detector: Detector;
  try {
    detector = await createDetector(workerData as DetectorOptions);
  } catch (err) {
    send(failure(null, err));
    return;
  }
  const { format: f, modelPath, inputWidth, inputHeight, fixedInput, confidence, padValue } = detector;
  send({ type: 'ready', info: { format: f, modelPath, inputWidth, inputHeight, fixedInput, confidence, padValue } });
  // Requests run one after another: the detector fills one input tensor, and onnxruntime-node yields to the event
  // loop before running it, so a second request must not start while one is pending.
  let queue = Promise.resolve();
  port.on('message', (m: ToDetector) => {
    if (m.type === 'release') {
      queue = queue.then(() => detector.release()).finally(() => port.close());
      return;
    }
    const data = new Uint8Array(m.frame, 0, m.length);
    queue = queue.then(() =>
      detector.detectTiles({ width: m.width, height: m.height, data }, m.tiles).then(
        (detections) => send({ type: 'detections', id: m.id, detections }),
        (err: unknown) => send(failure(m.id, err)),
      ),
    );
  });
}

void main();
