import type { Frame } from '../source.js';
import type { Emitter } from '../emitter.js';
import type { Opened } from '../setup.js';
import type { Box, LineSpec } from '../../vision/types.js';
import { startAnalyserThread, type AnalyserHandle } from './analyser-thread.js';
import { Demographics, type DemographicsConfig } from './enrichment.js';
import { letterboxPixels, NativeFrameTap } from './pixels.js';

const STOP_BUDGET_MS = 500;
const END_BUDGET_MS = 30_000;

/** Frames are cut from at most this size (a 4K source is read at 1920 on its long side). */
const NATIVE_MAX_SIDE = 1920;

/**
 * Demographics as the counting loop sees it: `frame` after each counted frame, `crossing` for each crossing,
 * `stop` before `done`, `close` at the very end. Owns the face thread and (for files) the full-resolution tap.
 */
export class WorkerDemographics {
  private constructor(
    readonly demo: Demographics,
    private readonly analyser: AnalyserHandle,
    private readonly tap: NativeFrameTap | null,
    private readonly tapScale: number,
    private readonly log: (message: string) => void,
  ) {}

  static async start(cfg: { demographics: DemographicsConfig; lines: LineSpec[]; source: string; live: boolean }, o: Opened, emit: Emitter): Promise<WorkerDemographics> {
    const analyser = await startAnalyserThread({ threads: 1, minFacePx: cfg.demographics.min_face_px });
    const { width, height } = o.source.info;
    const f = Math.min(1, NATIVE_MAX_SIDE / Math.max(width, height));
    const tap = cfg.live ? null : new NativeFrameTap(o.ffmpeg, cfg.source, Math.round(width * f), Math.round(height * f));
    if (cfg.live) emit.log('warn', 'demographics on a live source use the detector-sized frame until full-resolution frames reach the loop');
    const demo = new Demographics(
      cfg.demographics,
      cfg.lines,
      { width, height },
      analyser,
      (ref, fields) => emit.emit({ type: 'demographics', ...ref, ...fields }),
      (message) => emit.log('warn', message),
    );
    return new WorkerDemographics(demo, analyser, tap, f, (message) => emit.log('info', message));
  }

  /** Offers views of the confirmed tracks on a detection frame (waits only for the tap's pixels, never for analysis). */
  async frame(frame: Frame, tracks: readonly { id: number; box: Box }[]): Promise<void> {
    if (!frame.detect) return;
    let pixels = null;
    if (this.tap) {
      const native = await this.tap.frame(frame.number);
      if (native && this.demo.wantsPixels(tracks, frame.number)) pixels = this.scaled(native);
    } else if (this.demo.wantsPixels(tracks, frame.number)) {
      pixels = letterboxPixels(frame.data, frame.geometry);
    }
    this.demo.frame(frame.number, tracks, pixels);
  }

  /** Files: what is queued is analysed (a few seconds at most); a stop request leaves it half a second. */
  async stop(requested: boolean): Promise<void> {
    await this.demo.stop(requested ? STOP_BUDGET_MS : END_BUDGET_MS);
    this.log(`${this.demo.summary()}, ${Math.round(this.analyser.busyMs())} ms analysing`);
  }

  async close(): Promise<void> {
    this.tap?.close();
    await this.analyser.release().catch(() => undefined);
  }

  /** Tap frames larger than NATIVE_MAX_SIDE are shrunk: regions in source pixels are scaled to them. */
  private scaled(native: NonNullable<Awaited<ReturnType<NativeFrameTap['frame']>>>) {
    const f = this.tapScale;
    if (f === 1) return native;
    return {
      cut(region: [number, number, number, number], maxSide: number) {
        const r = native.cut([region[0] * f, region[1] * f, region[2] * f, region[3] * f], maxSide);
        return { image: r.image, scale: r.scale / f };
      },
    };
  }
}
