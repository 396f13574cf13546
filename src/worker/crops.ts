import type { CropsInfo } from '../protocol/events.js';
import { AdaptiveCrops } from '../vision/adaptive-crops.js';
import { maxScaleFor, MIN_SCALE, pixelBudget, STRIDE, TARGET_HEIGHT, type CropPlan, type FrameSize } from '../vision/crop-plan.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import type { Detection, LineSpec } from '../vision/types.js';
import type { SourceInfo } from './ffmpeg-header.js';
import type { Opened } from './setup.js';
import type { WorkerConfig } from './run-worker.js';

/** Frame rate assumed for the band width when a live source does not say. */
const FALLBACK_FPS = 25;

export interface CropsSetup {
  lines: readonly LineSpec[];
  detectRegion: WorkerConfig['detectRegion'];
  anchor: WorkerConfig['anchor'];
  skipFrames: number;
  /** Frames per second of the source, when known. */
  fps: number | null;
  detector: { inputWidth: number; inputHeight: number; fixedInput: boolean };
}

/** The crop plan for frames of `frame` size, starting from the height prior. */
export function newCrops(o: CropsSetup, frame: FrameSize): AdaptiveCrops {
  return new AdaptiveCrops({
    frame: { width: frame.width, height: frame.height },
    lines: o.lines,
    region: o.detectRegion,
    anchor: o.anchor,
    targetHeight: TARGET_HEIGHT,
    maxInput: { width: o.detector.inputWidth, height: o.detector.inputHeight },
    fixedInput: o.detector.fixedInput,
    stride: STRIDE,
    minScale: MIN_SCALE,
    maxScale: maxScaleFor(frame),
    detectionInterval: o.skipFrames / (o.fps ?? FALLBACK_FPS),
    maxInputPixels: pixelBudget(frame),
  });
}

const r2 = (v: number) => Math.round(v * 100) / 100;
const r4 = (v: number) => Math.round(v * 10000) / 10000;

/** The plan as the protocol shows it: in source pixels (frames larger than MAX_FRAME_SIDE arrive shrunk). */
export function cropsInfo(cfg: WorkerConfig, crops: AdaptiveCrops, info: SourceInfo): CropsInfo {
  const f = info.width / crops.frame.width;
  const plan: CropPlan = crops.plan;
  const rect = (r: { x: number; y: number; w: number; h: number }, scale: number) => ({
    x: r2(r.x * f),
    y: r2(r.y * f),
    w: r2(r.w * f),
    h: r2(r.h * f),
    scale: r4(scale / f),
  });
  const region = cfg.detectRegion;
  return {
    detect_region: region.kind === 'rects' ? region.rects : region.kind,
    target_height: crops.targetHeight,
    heights_from: crops.fromObservations ? 'people' : 'prior',
    regions: plan.regions.map((r) => rect(r, r.scale)),
    tiles: plan.tiles.map((t) => ({ ...rect(t, t.scaledHeight / t.h), input_width: t.inputWidth, input_height: t.inputHeight })),
  };
}

/** Detections of a (possibly shrunk) frame in source pixels, for the tracker and counter. */
export function toSource(found: readonly MergedDetection[], frame: FrameSize, info: SourceInfo): Detection[] {
  const fx = info.width / frame.width;
  const fy = info.height / frame.height;
  return found.map(({ box, score, label }) => ({ box: [box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy], score, label }));
}

/** `lines`: the lines in force, which the parent may have changed since the start. */
export function cropsSetup(cfg: WorkerConfig, o: Opened, lines: CropsSetup['lines'] = cfg.lines): CropsSetup {
  return { ...cfg, lines, fps: o.source.info.fps, detector: o.detector };
}
