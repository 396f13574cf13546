import { arrowGlyph, labelCorner, lineLabel, lineMarks, placeLabels, type LineMarks } from '../../picture/overlay.js';
import { segmentPixels } from '../../picture/raster.js';
import { cellOf, fitPicture, pixelAt, toCanvas, type PaneFit } from './fit.js';

/**
 * A preview as a canvas of square pixels (two per terminal cell, see fit.ts) with what is drawn over the picture:
 * marks on pixels (boxes, lines) and characters in cells (ids, labels, in-arrows, line ends). Pure: the terminal
 * encoding is halfblock.ts's job.
 */

export type MarkKind = 'none' | 'box' | 'line' | 'selected' | 'handle';
export const MARK_KINDS: readonly MarkKind[] = ['none', 'box', 'line', 'selected', 'handle'];
const MARK: Record<MarkKind, number> = { none: 0, box: 1, line: 2, selected: 3, handle: 4 };

export interface SceneLine {
  name: string;
  points: readonly [number, number, number, number];
  /** Counts to print with the name; null while a line is new (not yet counted by the worker). */
  counts: { in: number; out: number } | null;
  selected?: boolean;
  /** While editing: which end the arrow keys move. */
  activeEnd?: 'a' | 'b' | 'both';
}

export interface PreviewScene {
  /** The worker's downscaled picture of the whole frame, packed rgb24; null before the first one arrived. */
  picture: { width: number; height: number; rgb: Uint8Array } | null;
  sourceWidth: number;
  sourceHeight: number;
  /** Confirmed tracks, boxes in source pixels. */
  tracks: { id: number; box: readonly [number, number, number, number] }[];
  lines: SceneLine[];
}

export interface CellText {
  ch: string;
  kind: MarkKind;
}

export interface Canvas {
  fit: PaneFit;
  cols: number;
  rows: number;
  /** canvasWidth × canvasHeight × 3. */
  rgb: Uint8Array;
  /** One MARK code per pixel. */
  marks: Uint8Array;
  /** Characters that replace whole cells, by cell index (row × cols + col). */
  text: Map<number, CellText>;
  /** For each marked line pixel, the slope character of its line (the grey-ramp mode draws lines with them). */
  slope: Map<number, string>;
}

export const markKindOf = (code: number): MarkKind => MARK_KINDS[code] ?? 'none';

export function buildCanvas(scene: PreviewScene, cols: number, rows: number, unicode: boolean): Canvas {
  const fit = fitPicture(scene.sourceWidth, scene.sourceHeight, cols, rows);
  const W = fit.canvasWidth;
  const H = fit.canvasHeight;
  const c: Canvas = { fit, cols, rows, rgb: new Uint8Array(W * H * 3), marks: new Uint8Array(W * H), text: new Map(), slope: new Map() };
  if (scene.picture) paintPicture(c, scene.picture);
  for (const t of scene.tracks) drawTrack(c, t, scene.sourceWidth, scene.sourceHeight);
  // Selected line last, so that it is on top where lines cross.
  const ordered = [...scene.lines].sort((a, b) => Number(Boolean(a.selected)) - Number(Boolean(b.selected)));
  const marks = ordered.map((line) => drawLine(c, line, unicode));
  drawLabels(c, ordered, marks);
  ordered.forEach((line, k) => drawHandles(c, line, marks[k]));
  return c;
}

function paintPicture(c: Canvas, pic: { width: number; height: number; rgb: Uint8Array }): void {
  const { fit } = c;
  const W = fit.canvasWidth;
  // Nearest pixel: the worker already sends the picture at about the canvas size.
  const xs = Int32Array.from({ length: fit.width }, (_, i) => Math.min(pic.width - 1, Math.floor(((i + 0.5) * pic.width) / fit.width)));
  for (let y = 0; y < fit.height; y++) {
    const sy = Math.min(pic.height - 1, Math.floor(((y + 0.5) * pic.height) / fit.height));
    const srcRow = sy * pic.width * 3;
    let o = ((fit.y + y) * W + fit.x) * 3;
    for (let x = 0; x < fit.width; x++, o += 3) {
      const i = srcRow + xs[x] * 3;
      c.rgb[o] = pic.rgb[i];
      c.rgb[o + 1] = pic.rgb[i + 1];
      c.rgb[o + 2] = pic.rgb[i + 2];
    }
  }
}

function mark(c: Canvas, x: number, y: number, kind: MarkKind, slope?: string): void {
  const { fit } = c;
  if (x < fit.x || y < fit.y || x >= fit.x + fit.width || y >= fit.y + fit.height) return;
  const i = y * fit.canvasWidth + x;
  c.marks[i] = MARK[kind];
  if (slope) c.slope.set(i, slope);
  else c.slope.delete(i);
}

function putText(c: Canvas, col: number, row: number, text: string, kind: MarkKind): void {
  const chars = [...text];
  // Kept inside the picture's columns, shifted left if it would run off the right edge.
  const left = Math.max(c.fit.x, Math.min(col, c.fit.x + c.fit.width - chars.length));
  chars.forEach((ch, i) => {
    const x = left + i;
    if (x < 0 || x >= c.cols || row < 0 || row >= c.rows) return;
    c.text.set(row * c.cols + x, { ch, kind });
  });
}

function drawTrack(c: Canvas, t: { id: number; box: readonly [number, number, number, number] }, sw: number, sh: number): void {
  const [bx, by, bw, bh] = t.box;
  const p0 = pixelAt(c.fit, toCanvas(c.fit, bx / sw, by / sh));
  const p1 = pixelAt(c.fit, toCanvas(c.fit, (bx + bw) / sw, (by + bh) / sh));
  const corners: [number, number][] = [
    [p0.x, p0.y],
    [p1.x, p0.y],
    [p1.x, p1.y],
    [p0.x, p1.y],
  ];
  corners.forEach(([x, y], i) => {
    const [nx, ny] = corners[(i + 1) % 4];
    for (const [px, py] of segmentPixels(x, y, nx, ny)) mark(c, px, py, 'box');
  });
  const cell = cellOf(p0);
  putText(c, cell.col, cell.row > 0 ? cell.row - 1 : cell.row, String(t.id), 'box');
}

/** The character that looks like a segment with this slope (y down), for terminals without colour. */
export function slopeChar(dx: number, dy: number): string {
  // A cell is twice as tall as a canvas pixel: measure the angle in cell units.
  const angle = Math.atan2(-dy / 2, dx);
  const deg = ((angle * 180) / Math.PI + 180) % 180;
  if (deg < 22.5 || deg >= 157.5) return '-';
  if (deg < 67.5) return '/';
  if (deg < 112.5) return '|';
  return '\\';
}

/** A line's segment and in-arrow; returns its marks for the label and the handles. */
function drawLine(c: Canvas, line: SceneLine, unicode: boolean): LineMarks {
  const { fit } = c;
  const kind: MarkKind = line.selected ? 'selected' : 'line';
  const arrowPx = Math.max(3, Math.round(Math.min(fit.width, fit.height) / 8));
  const m = lineMarks(line.points, fit.width, fit.height, arrowPx);
  const a = pixelAt(fit, { x: fit.x + m.a.x, y: fit.y + m.a.y });
  const b = pixelAt(fit, { x: fit.x + m.b.x, y: fit.y + m.b.y });
  const slope = slopeChar(b.x - a.x, b.y - a.y);
  for (const [x, y] of segmentPixels(a.x, a.y, b.x, b.y)) mark(c, x, y, kind, slope);
  const tip = cellOf(pixelAt(fit, { x: fit.x + m.arrow.to.x, y: fit.y + m.arrow.to.y }));
  putText(c, tip.col, tip.row, arrowGlyph(m.inward, unicode), kind);
  return m;
}

/** The lines' labels beside them, none over another: the selected line (last) keeps its place first. */
function drawLabels(c: Canvas, lines: SceneLine[], marks: LineMarks[]): void {
  const { fit } = c;
  const texts = lines.map((line) => (line.selected ? `[${lineLabel(line.name, line.counts)}]` : lineLabel(line.name, line.counts)));
  const wanted = texts.map((text, k) => {
    const width = [...text].length;
    // In canvas pixels a character is 1 wide and 2 tall.
    const corner = labelCorner(marks[k], width, 2, 1);
    const at = cellOf(pixelAt(fit, { x: fit.x + corner.x, y: fit.y + corner.y + 1 }));
    return { x: Math.round(fit.x + corner.x), y: at.row, width, height: 1 };
  });
  const top = cellOf({ x: fit.x, y: fit.y }).row;
  const bottom = cellOf({ x: fit.x, y: fit.y + fit.height - 1 }).row;
  const bounds = { x: fit.x, y: top, width: fit.width, height: bottom - top + 1 };
  const order = lines.map((_, k) => lines.length - 1 - k);
  const placed = placeLabels(order.map((k) => wanted[k]), bounds, 0);
  order.forEach((k, i) => putText(c, placed[i].x, placed[i].y, texts[k], lines[k].selected ? 'selected' : 'line'));
}

/** While editing: the ends of the line, A and B, the one the arrow keys move highlighted. */
function drawHandles(c: Canvas, line: SceneLine, m: LineMarks): void {
  if (!line.activeEnd) return;
  const { fit } = c;
  const kind: MarkKind = line.selected ? 'selected' : 'line';
  const ends: ['a' | 'b', { x: number; y: number }][] = [
    ['a', pixelAt(fit, { x: fit.x + m.a.x, y: fit.y + m.a.y })],
    ['b', pixelAt(fit, { x: fit.x + m.b.x, y: fit.y + m.b.y })],
  ];
  for (const [end, p] of ends) {
    const cell = cellOf(p);
    const active = line.activeEnd === end || line.activeEnd === 'both';
    putText(c, cell.col, cell.row, active ? end.toUpperCase() : end, active ? 'handle' : kind);
  }
}
