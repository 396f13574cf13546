import type { Tile } from '../vision/crop-plan.js';
import { createDetector, type Detector, type DetectorOptions } from './detector.js';
import { serveModel } from './model-thread-entry.js';

/**
 * The detector's own thread. onnxruntime-node runs a session synchronously on the calling thread, so here it blocks
 * this thread only: the worker's main thread keeps draining ffmpeg's pipe (decode overlaps inference), keeps a live
 * source current, and answers signals and stdin while a frame is being detected.
 */

/**
 * `frame` is shared memory the main thread filled for this request; it is not reused before the answer arrives, so
 * no frame-sized buffer is allocated per frame on either side.
 */
export interface TilesRequest {
  frame: SharedArrayBuffer;
  length: number;
  width: number;
  height: number;
  tiles: Tile[];
}
export type DetectorInfo = Pick<Detector, 'format' | 'modelPath' | 'inputWidth' | 'inputHeight' | 'fixedInput' | 'confidence' | 'padValue'>;
export type TilesReply = Awaited<ReturnType<Detector['detectTiles']>>;

serveModel<DetectorInfo, TilesRequest, TilesReply>(async (data) => {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  const detector = await createDetector(data as DetectorOptions);
  const { format, modelPath, inputWidth, inputHeight, fixedInput, confidence, padValue } = detector;
  return {
    info: { format, modelPath, inputWidth, inputHeight, fixedInput, confidence, padValue },
    model: {
      handle: (m) => detector.detectTiles({ width: m.width, height: m.height, data: new Uint8Array(m.frame, 0, m.length) }, m.tiles),
      release: () => detector.release(),
    },
  };
});
