import { GLYPH_HEIGHT, textWidth } from './font.js';
import { labelCorner, lineLabel, lineMarks, placeLabels } from './overlay.js';
import { Raster, type Rgb } from './raster.js';

export const LINE_COLOUR: Rgb = [255, 210, 0];
export const BOX_COLOUR: Rgb = [40, 230, 70];
const INK: Rgb = [0, 0, 0];

export interface Annotations {
  lines: { name: string; points: readonly [number, number, number, number]; in?: number; out?: number }[];
  /** Boxes in the picture's pixels, with the label to write above each (a track id, a score). */
  boxes: { box: readonly [number, number, number, number]; label: string }[];
}

/** Strokes and letters grow with the picture so that a 1080p snapshot reads like a 480p one. */
export function strokeSizes(width: number, height: number): { thickness: number; scale: number; arrow: number } {
  const short = Math.min(width, height);
  return { thickness: Math.max(2, Math.round(short / 240)), scale: Math.max(1, Math.round(short / 300)), arrow: Math.max(12, Math.round(short / 12)) };
}

/** Draws people's boxes, then the lines with their in-arrows, then the lines' labels on top, none over another. */
export function annotate(r: Raster, a: Annotations): void {
  const { thickness, scale, arrow } = strokeSizes(r.width, r.height);
  for (const { box, label } of a.boxes) {
    r.strokeBox(box, BOX_COLOUR, thickness);
    const above = box[1] - (GLYPH_HEIGHT + 2) * scale;
    r.text(box[0] + scale, above >= scale ? above : box[1] + 2 * scale, label, INK, scale, BOX_COLOUR);
  }
  const marks = a.lines.map((line) => lineMarks(line.points, r.width, r.height, arrow));
  a.lines.forEach((_, k) => {
    const m = marks[k];
    r.line(m.a.x, m.a.y, m.b.x, m.b.y, LINE_COLOUR, thickness);
    r.line(m.arrow.from.x, m.arrow.from.y, m.arrow.to.x, m.arrow.to.y, LINE_COLOUR, thickness);
    for (const barb of m.arrow.barbs) r.line(m.arrow.to.x, m.arrow.to.y, barb.x, barb.y, LINE_COLOUR, thickness);
  });
  // Labels last, over every line, each clear of the others (kept inside the picture).
  const texts = a.lines.map((line) => lineLabel(line.name, line.in === undefined || line.out === undefined ? null : { in: line.in, out: line.out }));
  const h = GLYPH_HEIGHT * scale;
  const wanted = texts.map((text, k) => ({ ...labelCorner(marks[k], textWidth(text, scale), h, 2 * thickness + scale), width: textWidth(text, scale), height: h }));
  const bounds = { x: scale, y: scale, width: r.width - 2 * scale, height: r.height - 2 * scale };
  placeLabels(wanted, bounds, scale).forEach((at, k) => r.text(Math.round(at.x), Math.round(at.y), texts[k], INK, scale, LINE_COLOUR));
}
