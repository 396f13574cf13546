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
 * Pure: lines → regions → tiles. All coordinates are frame pixels.
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
/** Scales outside these bounds gain nothing: below, everyone is too small; above 1, enlarging adds no detail. */
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

/** Walking speed assumed when sizing bands, in body heights per second (brisk walkers; most walk at about one). */
export const BAND_SPEED = 2;
/** Detection passes a person should get on each side of the line before and after crossing it. */
export const BAND_PASSES = 3;
/** The band reaches at least this many body heights from the line on each side. */
export const BAND_MIN_HEIGHTS = 1.5;
/** Person width as a fraction of height, with room for arms and detector slack. */
const WIDTH_RATIO = 0.5;
/** Regions whose scales differ by more than this factor are not merged, and a line is split where its scale does. */
const SCALE_SPREAD = 1.3;
/** A line's band is split into pieces when one bounding box would cover this much more than the band itself. */
const BBOX_WASTE = 1.5;
/** Two regions merge when the box around both is at most this much bigger than what they cover. */
const MERGE_WASTE = 1.15;

export function clampScale(o: Pick<PlanOptions, 'minScale' | 'maxScale' | 'targetHeight'>, lowHeight: number): number {
  return Math.min(o.maxScale, Math.max(o.minScale, o.targetHeight / Math.max(1, lowHeight)));
}

/** Half-width of a line's band in body heights: enough walking for BAND_PASSES detection passes on each side. */
export function bandHeights(detectionInterval: number): number {
  return Math.max(BAND_MIN_HEIGHTS, BAND_SPEED * detectionInterval * BAND_PASSES);
}

/** Model-input pixels of one pass. */
export function planCost(p: CropPlan): number {
  return p.tiles.reduce((sum, t) => sum + t.inputWidth * t.inputHeight, 0);
}

/** Pixel budget per pass for a frame: BUDGET_SHARE of its own pixels, at least one pass at the old default size. */
export function pixelBudget(frame: FrameSize): number {
  return Math.max(BUDGET_FLOOR, BUDGET_SHARE * frame.width * frame.height);
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

const tileScale = (t: Tile) => t.scaledHeight / t.h;

/**
 * Tiles another tile already covers at the same or a finer scale are not run: a coarse strip for near people, rounded
 * up to a whole input, often spans the frame that a finer tile already shows. Kept when the tallest people of its
 * rows would not fit the finer tile's input.
 */
function withoutCovered(o: PlanOptions, tiles: Tile[]): Tile[] {
  const covers = (u: Tile, t: Tile) => u.x <= t.x && u.y <= t.y && u.x + u.w >= t.x + t.w && u.y + u.h >= t.y + t.h;
  return tiles.filter((t, i) => {
    const tallest = o.heights.high(t.y + t.h);
    return !tiles.some(
      (u, j) =>
        j !== i &&
        covers(u, t) &&
        (tileScale(u) > tileScale(t) || (tileScale(u) === tileScale(t) && j < i)) &&
        tallest * tileScale(u) <= 0.9 * u.inputHeight,
    );
  });
}

function toPixels(r: readonly number[], f: FrameSize): Rect {
  const x = Math.max(0, Math.floor(r[0] * f.width));
  const y = Math.max(0, Math.floor(r[1] * f.height));
  const x2 = Math.min(f.width, Math.ceil((r[0] + r[2]) * f.width));
  const y2 = Math.min(f.height, Math.ceil((r[1] + r[3]) * f.height));
  return { x, y, w: Math.max(0, x2 - x), h: Math.max(0, y2 - y) };
}

/** Box corners, clipped to the frame and rounded outwards. */
interface Box4 {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function clipBox(b: Box4, f: FrameSize): Box4 {
  return {
    x1: Math.max(0, Math.floor(b.x1)),
    y1: Math.max(0, Math.floor(b.y1)),
    x2: Math.min(f.width, Math.ceil(b.x2)),
    y2: Math.min(f.height, Math.ceil(b.y2)),
  };
}

const area = (b: Box4) => Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
const union = (a: Box4, b: Box4): Box4 => ({ x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) });

/**
 * Where the boxes of people can be whose anchor lies in `feet` (the stretch of the band across the line at one point):
 * the box above the anchor (bottom anchor) or around it (centre anchor), as tall as people there are.
 */
function anchorReach(o: PlanOptions, feet: Box4): Box4 {
  const top = o.heights.high(feet.y1);
  // The tallest people the band holds stand nearest the camera, at its lower edge.
  const bottom = Math.max(top, o.heights.high(feet.y2));
  const halfW = (WIDTH_RATIO * bottom) / 2;
  return o.anchor === 'bottom'
    ? { x1: feet.x1 - halfW, y1: Math.min(feet.y1 - top, feet.y2 - bottom), x2: feet.x2 + halfW, y2: feet.y2 + 0.05 * bottom }
    : { x1: feet.x1 - halfW, y1: Math.min(feet.y1 - top / 2, feet.y2 - bottom / 2), x2: feet.x2 + halfW, y2: feet.y2 + bottom / 2 };
}

/**
 * The band of one line as regions: points along the line each need a box (anchorReach) and a scale; consecutive
 * points share a region while its bounding box stays close to the band's own area (a diagonal line gets several)
 * and their scales stay within SCALE_SPREAD (near and far parts of a long line get their own scale).
 */
function lineRegions(o: PlanOptions, line: LineSpec): Region[] {
  const { width, height } = o.frame;
  const [x1, y1, x2, y2] = line.points;
  const a = { x: x1 * width, y: y1 * height };
  const b = { x: x2 * width, y: y2 * height };
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  const reach = bandHeights(o.detectionInterval);
  // The band runs across the line (along its normal); around the two ends it is a half disc.
  const normal = length > 0 ? { x: Math.abs(b.y - a.y) / length, y: Math.abs(b.x - a.x) / length } : { x: 1, y: 1 };
  const n = Math.max(2, Math.min(400, Math.ceil(length / 8) + 1));
  const out: Region[] = [];
  let box: Box4 | null = null;
  let lo = Infinity;
  let hi = 0;
  let bandArea = 0;
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const x = a.x + t * (b.x - a.x);
    const y = a.y + t * (b.y - a.y);
    const d = reach * o.heights.high(y);
    const end = i === 0 || i === n - 1;
    const [dx, dy] = end ? [d, d] : [d * normal.x, d * normal.y];
    const feet = { x1: x - dx, y1: Math.max(0, y - dy), x2: x + dx, y2: Math.min(height, y + dy) };
    // The smallest people the band holds stand furthest up: they set the scale.
    const lows = [feet.y1, y, feet.y2].map((v) => o.heights.low(v)).filter((h) => h > 0);
    if (d <= 0 || lows.length === 0) continue;
    const p = clipBox(anchorReach(o, feet), o.frame);
    const s = clampScale(o, Math.min(...lows));
    if (area(p) === 0) continue;
    if (box) {
      const grown = union(box, p);
      const step = length / (n - 1);
      // The band's own area: its length so far times the width of one point's box, plus that box once.
      const band = bandArea + step * Math.min(p.x2 - p.x1, p.y2 - p.y1);
      const spread = Math.max(hi, s) / Math.min(lo, s);
      if (area(grown) <= BBOX_WASTE * band && spread <= SCALE_SPREAD) {
        box = grown;
        lo = Math.min(lo, s);
        hi = Math.max(hi, s);
        bandArea = band;
        continue;
      }
      out.push(toRegion(box, hi));
    }
    box = p;
    lo = s;
    hi = s;
    bandArea = area(p);
  }
  if (box) out.push(toRegion(box, hi));
  return out;
}

function toRegion(b: Box4, scale: number): Region {
  return { x: b.x1, y: b.y1, w: b.x2 - b.x1, h: b.y2 - b.y1, scale };
}

/**
 * A whole rectangle (the frame, or one given by the user) in horizontal strips: people far away (higher up) are
 * smaller and need a finer scale than those near the camera, so the rows are grouped where the scale stays within
 * SCALE_SPREAD. A strip reaches up by one tall person above its last row of feet, so nobody is cut at a strip edge.
 */
function strips(o: PlanOptions, r: Rect): Region[] {
  if (r.w <= 0 || r.h <= 0) return [];
  const rows = Math.min(64, Math.max(1, Math.ceil(r.h / 16)));
  const out: Region[] = [];
  let top = -1;
  let lo = Infinity;
  let hi = 0;
  const close = (bottom: number) => {
    if (hi > 0 && bottom > top) out.push({ x: r.x, y: top, w: r.w, h: bottom - top, scale: hi });
    lo = Infinity;
    hi = 0;
  };
  for (let i = 0; i <= rows; i++) {
    const y = i === rows ? r.y + r.h : r.y + Math.round((i * r.h) / rows);
    const low = o.heights.low(y);
    if (low <= 0) continue;
    const s = clampScale(o, low);
    if (hi > 0 && Math.max(hi, s) / Math.min(lo, s) > SCALE_SPREAD) close(y);
    if (hi === 0) {
      // A strip starts a tall person above its first row of feet, so that the people standing there are whole in it.
      top = Math.max(r.y, Math.floor(y - o.heights.high(y)));
    }
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  close(r.y + r.h);
  return out;
}

/** Merges regions of similar scale whose common bounding box wastes little, until none can be merged. */
function mergeRegions(input: Region[]): Region[] {
  const regions = input.map((r) => ({ ...r }));
  const box = (r: Rect): Box4 => ({ x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h });
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < regions.length; i++) {
      for (let j = i + 1; j < regions.length; j++) {
        const a = regions[i];
        const b = regions[j];
        if (Math.max(a.scale, b.scale) / Math.min(a.scale, b.scale) > SCALE_SPREAD) continue;
        const ba = box(a);
        const bb = box(b);
        const inter = area({ x1: Math.max(ba.x1, bb.x1), y1: Math.max(ba.y1, bb.y1), x2: Math.min(ba.x2, bb.x2), y2: Math.min(ba.y2, bb.y2) });
        const u = union(ba, bb);
        if (area(u) <= MERGE_WASTE * (area(ba) + area(bb) - inter)) {
          regions[i] = { ...toRegion(u, Math.max(a.scale, b.scale)) };
          regions.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return regions;
}

const roundUp = (v: number, step: number) => Math.max(step, Math.ceil(v / step - 1e-9) * step);

/**
 * Tiles of one region at its scale. Neighbouring tiles overlap by a tall person (plus a little), so that everyone in
 * the region is whole in at least one tile; the tiles are spread evenly over the region and kept inside the frame.
 */
function tileRegion(o: PlanOptions, r: Region): Tile[] {
  const s = r.scale;
  const tallest = Math.max(o.heights.high(r.y + r.h), o.heights.high(r.y));
  const overlapY = Math.min(o.maxInput.height / 2, 1.1 * tallest * s);
  const overlapX = Math.min(o.maxInput.width / 2, WIDTH_RATIO * 1.2 * tallest * s);
  const x = axisTiles(r.x, r.w, s, o.frame.width, o.maxInput.width, overlapX, o.stride, o.fixedInput ?? false);
  const y = axisTiles(r.y, r.h, s, o.frame.height, o.maxInput.height, overlapY, o.stride, o.fixedInput ?? false);
  const tiles: Tile[] = [];
  for (const ty of y) {
    for (const tx of x) {
      tiles.push({
        x: tx.start,
        y: ty.start,
        w: tx.length,
        h: ty.length,
        inputWidth: tx.input,
        inputHeight: ty.input,
        scaledWidth: Math.min(tx.input, Math.max(1, Math.round(tx.length * s))),
        scaledHeight: Math.min(ty.input, Math.max(1, Math.round(ty.length * s))),
      });
    }
  }
  return tiles;
}

/** One axis of the tiling: tile starts and lengths in frame pixels, and the model input side. */
function axisTiles(
  start: number,
  length: number,
  scale: number,
  frameSide: number,
  maxInput: number,
  overlap: number,
  stride: number,
  fixed: boolean,
): { start: number; length: number; input: number }[] {
  const need = length * scale;
  const count = need <= maxInput ? 1 : Math.ceil((need - overlap) / (maxInput - overlap));
  const input = fixed ? maxInput : Math.min(maxInput, roundUp((need + (count - 1) * overlap) / count, stride));
  // Frame pixels one tile covers; a tile bigger than the frame is the whole frame (the rest of the input is padding).
  const span = Math.min(frameSide, Math.floor(input / scale));
  const out: { start: number; length: number; input: number }[] = [];
  for (let i = 0; i < count; i++) {
    const centre = count === 1 ? start + length / 2 : start + span / 2 + (i * (length - span)) / (count - 1);
    const from = Math.round(Math.min(frameSide - span, Math.max(0, centre - span / 2)));
    out.push({ start: from, length: span, input });
  }
  return out;
}
