import { FaceAnalyser } from '../../faces/analyser.js';
import { analyseViews, type ViewResult } from '../../faces/view-analysis.js';
import { serveModel } from '../model-thread-entry.js';
import { WORKER_SESSION_OVERRIDES } from '../setup.js';

/**
 * The face models' own thread, like the detector's: a batch runs here while the worker's main thread keeps counting.
 * Head regions arrive as transferred buffers and are dropped as soon as the batch is answered.
 */
export interface AnalyserThreadOptions {
  threads: number;
  minFacePx: number;
}
export interface AnalyseRequest {
  views: { width: number; height: number; data: Uint8Array; scale: number }[];
}
/** The results of a batch and the milliseconds it took. */
export interface AnalyseReply {
  results: ViewResult[];
  ms: number;
}

serveModel<null, AnalyseRequest, AnalyseReply>(async (data) => {
  const o = data as AnalyserThreadOptions;
  const analyser = await FaceAnalyser.open({ threads: o.threads, sessionOverrides: WORKER_SESSION_OVERRIDES });
  return {
    info: null,
    model: {
      async handle(m) {
        const started = performance.now();
        const views = m.views.map((v) => ({ image: { width: v.width, height: v.height, data: v.data }, scale: v.scale }));
        const results = await analyseViews(analyser, views, o.minFacePx);
        return { results, ms: performance.now() - started };
      },
      release: () => analyser.release(),
    },
  };
});
