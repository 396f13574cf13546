import type { HeadView, ViewResult } from '../../faces/view-analysis.js';
import { startModelThread } from '../model-thread.js';
import type { AnalyseReply, AnalyseRequest, AnalyserThreadOptions } from './analyser-thread-entry.js';

export interface AnalyserHandle {
  analyse(views: HeadView[]): Promise<ViewResult[]>;
  /** Milliseconds the thread spent analysing so far. */
  busyMs(): number;
  release(): Promise<void>;
}

/** Starts the face analysis thread; resolves once its models are loaded (MODEL_* errors keep their codes). */
export async function startAnalyserThread(o: AnalyserThreadOptions): Promise<AnalyserHandle> {
  const { thread } = await startModelThread<null, AnalyseRequest, AnalyseReply>(new URL('./analyser-thread-entry.js', import.meta.url), o, 'face analysis');
  let busy = 0;
  return {
    async analyse(views) {
      const request = { views: views.map((v) => ({ width: v.image.width, height: v.image.height, data: v.image.data, scale: v.scale })) };
      // The pixels move to the thread: nothing of them stays on this side.
      const reply = await thread.request(request, views.map((v) => v.image.data.buffer as ArrayBuffer));
      busy += reply.ms;
      return reply.results;
    },
    busyMs: () => busy,
    release: () => thread.release(),
  };
}
