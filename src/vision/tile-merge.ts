import type { FrameSize, Tile } from './crop-plan.js';
import { boxArea, iou } from './geometry.js';
import type { Box, Detection } from './types.js';

/**
 * Detections of several tiles of one frame, made one set. Tiles overlap by a tall person (crop-plan.ts), so:
 * - a box cut at a tile's inner border (one the frame does not end at) is dropped when a neighbouring tile reaches
 *   further across that border and holds all of the box: that tile saw more of the person;
 * - two cut boxes left on the two sides of a border (a person taller than the overlap) are joined into one;
 * - the same person found whole by two tiles is one detection: across tiles, a box overlapping a better-scored one
 *   (IoU ≥ 0.5, or mostly inside it) is dropped. Boxes of one tile are left as the model gave them, so two people
 *   side by side in one tile stay two.
 */

export interface TileResult {
  tile: Tile;
  /** In frame pixels. */
  detections: readonly Detection[];
}

export interface MergedDetection extends Detection {
  /** Neither cut by the frame nor by a tile edge: the box is a whole person (the height model learns only from these). */
  whole: boolean;
}

export const CROSS_TILE_IOU = 0.5;
/** Share of the smaller box inside the other at which two boxes of different tiles are the same person. */
export const CROSS_TILE_CONTAINED = 0.8;

type Side = 'left' | 'top' | 'right' | 'bottom';
const SIDES: Side[] = ['left', 'top', 'right', 'bottom'];

interface Candidate extends MergedDetection {
  tile: number;
  cut: Side[];
}

/** How close (frame pixels) a box edge must be to a tile edge to count as cut there: one output cell of the model. */
function slackOf(t: Tile): number {
  return Math.max(2, (4 * t.w) / t.scaledWidth);
}

function edge(t: { x: number; y: number; w: number; h: number }, side: Side): number {
  return side === 'left' ? t.x : side === 'top' ? t.y : side === 'right' ? t.x + t.w : t.y + t.h;
}

function boxEdge(b: Box, side: Side): number {
  return side === 'left' ? b[0] : side === 'top' ? b[1] : side === 'right' ? b[0] + b[2] : b[1] + b[3];
}

const OPPOSITE: Record<Side, Side> = { left: 'right', right: 'left', top: 'bottom', bottom: 'top' };

/** Sides of `t` where a box touches it and the frame goes on beyond. */
function cutSides(b: Box, t: Tile, frame: FrameSize, slack: number): Side[] {
  const full = { x: 0, y: 0, w: frame.width, h: frame.height };
  return SIDES.filter((s) => Math.abs(boxEdge(b, s) - edge(t, s)) <= slack && Math.abs(edge(t, s) - edge(full, s)) > 1);
}

function touchesFrame(b: Box, frame: FrameSize): boolean {
  return b[0] <= 2 || b[1] <= 2 || b[0] + b[2] >= frame.width - 2 || b[1] + b[3] >= frame.height - 2;
}

/** Whether tile `o` holds all of box `b` and reaches beyond tile `t`'s `side` by more than `slack`. */
function seenBetterBy(b: Box, t: Tile, o: Tile, side: Side, slack: number): boolean {
  const inside = b[0] >= o.x - 0.5 && b[1] >= o.y - 0.5 && b[0] + b[2] <= o.x + o.w + 0.5 && b[1] + b[3] <= o.y + o.h + 0.5;
  if (!inside) return false;
  const beyond = side === 'left' || side === 'top' ? edge(t, side) - edge(o, side) : edge(o, side) - edge(t, side);
  return beyond > slack;
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Two cut boxes on the two sides of one border, lined up along it: the halves of one person. */
function halvesOfOne(a: Candidate, b: Candidate): boolean {
  for (const side of a.cut) {
    if (!b.cut.includes(OPPOSITE[side])) continue;
    const vertical = side === 'top' || side === 'bottom';
    const [a0, a1, b0, b1] = vertical
      ? [a.box[0], a.box[0] + a.box[2], b.box[0], b.box[0] + b.box[2]]
      : [a.box[1], a.box[1] + a.box[3], b.box[1], b.box[1] + b.box[3]];
    const along = Math.min(a1, b1) - Math.max(a0, b0);
    const span = Math.max(a1, b1) - Math.min(a0, b0);
    // Across the border the two must meet: the overlap strip of the tiles lies between them.
    const [c0, c1, d0, d1] = vertical
      ? [a.box[1], a.box[1] + a.box[3], b.box[1], b.box[1] + b.box[3]]
      : [a.box[0], a.box[0] + a.box[2], b.box[0], b.box[0] + b.box[2]];
    if (span > 0 && along / span >= 0.5 && Math.min(c1, d1) >= Math.max(c0, d0)) return true;
  }
  return false;
}

export function mergeTiles(frame: FrameSize, results: readonly TileResult[]): MergedDetection[] {
  const tiles = results.map((r) => r.tile);
  const candidates: Candidate[] = [];
  results.forEach((r, i) => {
    const slack = slackOf(r.tile);
    for (const d of r.detections) {
      const cut = cutSides(d.box, r.tile, frame, slack);
      if (cut.some((side) => tiles.some((o, j) => j !== i && seenBetterBy(d.box, r.tile, o, side, slack)))) continue;
      candidates.push({ ...d, tile: i, cut, whole: cut.length === 0 && !touchesFrame(d.box, frame) });
    }
  });

  // Join halves first, so that the joined box then takes part in the cross-tile suppression like any other.
  const joined: Candidate[] = [];
  const used = new Set<Candidate>();
  for (const a of candidates) {
    if (used.has(a)) continue;
    let box = a.box;
    let score = a.score;
    let cut = a.cut;
    if (a.cut.length > 0) {
      for (const b of candidates) {
        if (b === a || used.has(b) || b.tile === a.tile || !halvesOfOne({ ...a, box, cut }, b)) continue;
        used.add(b);
        const x1 = Math.min(box[0], b.box[0]);
        const y1 = Math.min(box[1], b.box[1]);
        box = [x1, y1, Math.max(box[0] + box[2], b.box[0] + b.box[2]) - x1, Math.max(box[1] + box[3], b.box[1] + b.box[3]) - y1];
        score = Math.max(score, b.score);
        cut = cut.filter((s) => !b.cut.includes(OPPOSITE[s]));
      }
    }
    used.add(a);
    joined.push({ ...a, box, score, cut });
  }

  joined.sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const d of joined) {
    const duplicate = kept.some(
      (k) =>
        k.tile !== d.tile &&
        (iou(k.box, d.box) >= CROSS_TILE_IOU || intersection(k.box, d.box) >= CROSS_TILE_CONTAINED * Math.min(boxArea(k.box), boxArea(d.box))),
    );
    if (!duplicate) kept.push(d);
  }
  return kept.map(({ box, score, label, whole }) => ({ box, score, label, whole }));
}
