import { lineRegions, mergeRegions, strips, toPixels } from './crop-regions.js';
import { tileRegion, withoutCovered } from './crop-tiles.js';
import type { AnchorMode } from './geometry.js';
import type { LineSpec } from './types.js';

/**
 * The crop planner: which parts of the frame the detector looks at, and at what scale. People must reach the model
 * at a height it sees well (`targetHeight`, in model-input pixels) wherever they are, so each region's scale comes
 * from the height of the people expected there (`PersonHeights`, learned by the worker), and only the bands around
 * the counting lines are looked at, wide enough for a track to be confirmed before its anchor reaches the line.
 * A region too big for one model input is cut into overlapping tiles, each at least one person tall in overlap, so
 * that every person is whole in some tile (tile-merge.ts drops the halves cut at inner borders).
 *
 * Pure: lines → regions (crop-regions.ts) → tiles (crop-tiles.ts). All coordinates are frame pixels.
 */

export interface FrameSize {
  width: number;
  height: number;
}

/** `detect_region`: around the lines, the whole frame, or given rectangles `[x, y, w, h]` in fractions of the frame. */
export type DetectRegion = { kind: 'auto' } | { kind: 'full' } | { kind: 'rects'; rects: [number, number, number, number][] };

/** Expected person heights (frame pixels) for feet at image row y; 0 where nobody can stand (above the horizon). */
export interface PersonHeights {
  /** The smaller people there: the scale is chosen so that they reach the target height. */
  low(y: number): number;
  /** The taller ones: bands and tile overlaps are sized for them. */
  high(y: number): number;
}

export interface PlanOptions {
  frame: FrameSize;
  lines: readonly LineSpec[];
  region: DetectRegion;
  anchor: AnchorMode;
  heights: PersonHeights;
  /** Person height in model-input pixels that the scale aims at. */
  targetHeight: number;
  /** Largest model input of one tile. */
  maxInput: { width: number; height: number };
  /** Every tile exactly `maxInput` (models with a fixed input size); otherwise tiles shrink to fit their region. */
  fixedInput?: boolean;
  /** Model input sides are multiples of this. */
  stride: number;
  /** Scale bounds (model-input pixels per frame pixel). */
  minScale: number;
  maxScale: number;
  /** Seconds between detection passes: the band must hold a few of them of walking. */
  detectionInterval: number;
  /**
   * Most model-input pixels one pass may cost (all tiles together). When the scales the people ask for cost more, the
   * finest scales are lowered to a common cap until the plan fits: far-away people are then seen smaller than the
   * target, near ones keep their scale.
   */
  maxInputPixels?: number;
}

/** A rectangle of the frame, integer pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Region extends Rect {
  /** Model-input pixels per frame pixel. */
  scale: number;
}

/** One model run: `rect` of the frame resized to `scaledWidth`×`scaledHeight` at the top left of the input, rest padded. */
export interface Tile extends Rect {
  inputWidth: number;
  inputHeight: number;
  scaledWidth: number;
  scaledHeight: number;
}

export interface CropPlan {
  regions: Region[];
  tiles: Tile[];
}

/**
 * Person height (model-input pixels) the scale aims the smaller people of a region at; bench:height measured the
 * built-in centernet's recall against person height (see README).
 */
export const TARGET_HEIGHT = 64;
/** Largest model input of one tile when the task gives no input_size. */
export const DEFAULT_MAX_TILE = { width: 640, height: 640 };
/**
 * Scales outside these bounds gain nothing: below, everyone is too small; above 1, a source of REFERENCE_ROWS rows or
 * more has its people large enough in its own pixels. Smaller sources may be enlarged (`maxScaleFor`).
 */
export const MIN_SCALE = 0.1;
export const MAX_SCALE = 1;
export const STRIDE = 32;
/**
 * A pass may cost model-input pixels up to this share of the frame's own pixels (a 768×576 source: 1.6 times the old
 * single 384×288 input; 1080p: up to 829 k pixels), and never less than BUDGET_FLOOR. bench:count: at 0.3 vtest.avi's
 * five lines (the whole frame) were seen at scale 0.5, at 0.4 at 0.55–0.6 with fewer missed crossings.
 */
export const BUDGET_SHARE = 0.4;
export const BUDGET_FLOOR = 384 * 288;
/**
 * Rows of a standard-definition frame (768×576, where BUDGET_SHARE was chosen). A source with fewer rows shows the
 * same scene with fewer pixels per person, while the detector's recall depends on a person's height in model-input
 * pixels alone (bench:height: MOT17-09 shrunk to 640×360 and enlarged up to 2× is found as well as the 1080p original
 * at the same input height), so such a source is planned as if it had this many rows: enlarged up to that, with the
 * budget of the enlarged frame. A share of its own few pixels showed 640×360 street footage at scale 0.65, its far
 * people at 42 px.
 */
export const REFERENCE_ROWS = 576;

/** Model-input pixels of one pass. */
export function planCost(p: CropPlan): number {
  return p.tiles.reduce((sum, t) => sum + t.inputWidth * t.inputHeight, 0);
}

/** How much a source with fewer than REFERENCE_ROWS rows may be enlarged; 1 for larger ones. */
function enlargement(frame: FrameSize): number {
  return Math.max(1, REFERENCE_ROWS / frame.height);
}

/** Largest scale for a frame: MAX_SCALE, or enlarged up to REFERENCE_ROWS rows for a smaller source. */
export function maxScaleFor(frame: FrameSize): number {
  return MAX_SCALE * enlargement(frame);
}

/**
 * Pixel budget per pass for a frame: BUDGET_SHARE of its own pixels (of the frame enlarged to REFERENCE_ROWS rows when
 * it has fewer), at least one pass at the old default size.
 */
export function pixelBudget(frame: FrameSize): number {
  return Math.max(BUDGET_FLOOR, BUDGET_SHARE * frame.width * frame.height * enlargement(frame) ** 2);
}

export function planCrops(o: PlanOptions): CropPlan {
  const { width, height } = o.frame;
  if (!(width > 0 && height > 0)) throw new RangeError(`planCrops: frame ${width}x${height} is empty`);
  const plan = planAtScales(o);
  if (o.maxInputPixels === undefined || planCost(plan) <= o.maxInputPixels) return plan;
  // The largest cap on the scale that fits the budget (cost grows with the cap), to 1 % of the scale.
  let lo = o.minScale;
  let hi = o.maxScale;
  let best = planAtScales({ ...o, maxScale: lo });
  while (hi / lo > 1.01) {
    const mid = Math.sqrt(lo * hi);
    const p = planAtScales({ ...o, maxScale: mid });
    if (planCost(p) <= o.maxInputPixels) {
      lo = mid;
      best = p;
    } else {
      hi = mid;
    }
  }
  return best;
}

function planAtScales(o: PlanOptions): CropPlan {
  const { width, height } = o.frame;
  let regions: Region[];
  if (o.region.kind === 'auto' && o.lines.length > 0) {
    regions = o.lines.flatMap((l) => lineRegions(o, l));
  } else {
    const rects = o.region.kind === 'rects' ? o.region.rects.map((r) => toPixels(r, o.frame)) : [{ x: 0, y: 0, w: width, h: height }];
    regions = rects.flatMap((r) => strips(o, r));
  }
  regions = mergeRegions(regions.filter((r) => r.w > 0 && r.h > 0));
  return { regions, tiles: withoutCovered(o, regions.flatMap((r) => tileRegion(o, r))) };
}
