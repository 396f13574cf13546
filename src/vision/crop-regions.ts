import type { FrameSize, PlanOptions, Rect, Region } from './crop-plan.js';
import type { LineSpec } from './types.js';

/**
 * Where the detector must look, as regions with a scale each: the bands around the counting lines, or a whole
 * rectangle in strips. Pure; all coordinates are frame pixels.
 */

/** Walking speed assumed when sizing bands, in body heights per second (brisk walkers; most walk at about one). */
const BAND_SPEED = 2;
/** Detection passes a person should get on each side of the line before and after crossing it. */
const BAND_PASSES = 3;
/** The band reaches at least this many body heights from the line on each side. */
const BAND_MIN_HEIGHTS = 1.5;
/** Person width as a fraction of height, with room for arms and detector slack. */
export const WIDTH_RATIO = 0.5;
/** Regions whose scales differ by more than this factor are not merged, and a line is split where its scale does. */
const SCALE_SPREAD = 1.3;
/** A line's band is split into pieces when one bounding box would cover this much more than the band itself. */
const BBOX_WASTE = 1.5;
/** Two regions merge when the box around both is at most this much bigger than what they cover. */
const MERGE_WASTE = 1.15;

function clampScale(o: Pick<PlanOptions, 'minScale' | 'maxScale' | 'targetHeight'>, lowHeight: number): number {
  return Math.min(o.maxScale, Math.max(o.minScale, o.targetHeight / Math.max(1, lowHeight)));
}

/** Half-width of a line's band in body heights: enough walking for BAND_PASSES detection passes on each side. */
export function bandHeights(detectionInterval: number): number {
  return Math.max(BAND_MIN_HEIGHTS, BAND_SPEED * detectionInterval * BAND_PASSES);
}

export function toPixels(r: readonly number[], f: FrameSize): Rect {
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
export function lineRegions(o: PlanOptions, line: LineSpec): Region[] {
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
export function strips(o: PlanOptions, r: Rect): Region[] {
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
export function mergeRegions(input: Region[]): Region[] {
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
