import type { PlanOptions, Region, Tile } from './crop-plan.js';
import { WIDTH_RATIO } from './crop-regions.js';

/** Regions cut into model inputs: overlapping tiles, each person whole in at least one. Pure; frame pixels. */

const tileScale = (t: Tile) => t.scaledHeight / t.h;

/**
 * Tiles another tile already covers at the same or a finer scale are not run: a coarse strip for near people, rounded
 * up to a whole input, often spans the frame that a finer tile already shows. Kept when the tallest people of its
 * rows would not fit the finer tile's input.
 */
export function withoutCovered(o: PlanOptions, tiles: Tile[]): Tile[] {
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

const roundUp = (v: number, step: number) => Math.max(step, Math.ceil(v / step - 1e-9) * step);

/**
 * Tiles of one region at its scale. Neighbouring tiles overlap by a tall person (plus a little), so that everyone in
 * the region is whole in at least one tile; the tiles are spread evenly over the region and kept inside the frame.
 */
export function tileRegion(o: PlanOptions, r: Region): Tile[] {
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
