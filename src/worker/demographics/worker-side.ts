import type { Frame } from '../source.js';
import type { Emitter } from '../emitter.js';
import type { Opened } from '../setup.js';
import { YuvResampler } from '../../vision/resample.js';
import type { Box, LineSpec } from '../../vision/types.js';
import { startAnalyserThread, type AnalyserHandle } from './analyser-thread.js';
import { Demographics, type DemographicsConfig } from './enrichment.js';
import { framePixels } from './pixels.js';

const STOP_BUDGET_MS = 500;
const END_BUDGET_MS = 30_000;

/**
 * Demographics as the counting loop sees it: `frame` after each counted frame, `crossing` for each crossing,
 * `stop` before `done`, `close` at the very end. Owns the face thread; views are cut from the frames the worker
 * already decodes for the detector (source size, yuv420p, on detection frames), so nothing is decoded twice.
 */
export class WorkerDemographics {
  private readonly resampler = new YuvResampler();

  private constructor(
    readonly demo: Demographics,
    private readonly analyser: AnalyserHandle,
    private readonly sourceSize: { width: number; height: number },
    private readonly log: (message: string) => void,
  ) {}

  static async start(cfg: { demographics: DemographicsConfig; lines: LineSpec[] }, o: Opened, emit: Emitter): Promise<WorkerDemographics> {
    const analyser = await startAnalyserThread({ threads: 1, minFacePx: cfg.demographics.min_face_px });
    const { width, height } = o.source.info;
    const demo = new Demographics(
      cfg.demographics,
      cfg.lines,
      { width, height },
      analyser,
      (ref, fields) => emit.emit({ type: 'demographics', ...ref, ...fields }),
      (message) => emit.log('warn', message),
    );
    return new WorkerDemographics(demo, analyser, { width, height }, (message) => emit.log('info', message));
  }

  /** Offers views of the confirmed tracks on a detection frame: the head regions are copied out, never awaited. */
  frame(frame: Frame, tracks: readonly { id: number; box: Box }[]): void {
    if (!frame.detect) return;
    const pixels = this.demo.wantsPixels(tracks, frame.number) ? framePixels(frame, this.sourceSize, this.resampler) : null;
    this.demo.frame(frame.number, tracks, pixels);
  }

  /** Files: what is queued is analysed (a few seconds at most); a stop request leaves it half a second. */
  async stop(requested: boolean): Promise<void> {
    await this.demo.stop(requested ? STOP_BUDGET_MS : END_BUDGET_MS);
    this.log(`${this.demo.summary()}, ${Math.round(this.analyser.busyMs())} ms analysing`);
  }

  async close(): Promise<void> {
    await this.analyser.release().catch(() => undefined);
  }
}
