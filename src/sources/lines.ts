import { isLineName, LINE_NAME_RULE } from '../protocol/names.js';
import { MAX_FRAME_SIDE } from './frame-side.js';

/** A counting line: x1, y1, x2, y2 as fractions of the frame width and height (the config's and the worker's shape). */
export interface NamedLine {
  name: string;
  points: [number, number, number, number];
}

/** Without a line the count is on a vertical line through the middle of the frame, top to bottom. */
export const DEFAULT_LINE_POINTS: NamedLine['points'] = [0.5, 0, 0.5, 1];

/** Unnamed lines are called `line` when there is one (also the default line), `line1` … `lineN` when there are several. */
export function defaultLineName(index: number, count: number): string {
  return count === 1 ? 'line' : `line${index + 1}`;
}

/** A line's coordinate as it is kept: four decimals is finer than a pixel of any camera and keeps the config tidy. */
export const roundPoint = (v: number): number => Math.round(v * 10_000) / 10_000;

export const DEFAULT_LINE: NamedLine = { name: defaultLineName(0, 1), points: [...DEFAULT_LINE_POINTS] };

const AXES = ['x1', 'y1', 'x2', 'y2'];

/**
 * Why a line (x1, y1, x2, y2 in fractions of the frame) can never be crossed, or null. People are found in frames of
 * at most MAX_FRAME_SIDE pixels a side, so a line whose length rounds to 0 pixels on a frame that large has no length
 * in any frame's pixels: nothing steps across it (the side test and the hysteresis margin work in pixels). Such a line
 * used to pass and count nothing, silently. One rule for --line, the config, the line editor and the worker.
 */
export function degenerateLine(points: readonly number[]): string | null {
  const [x1, y1, x2, y2] = points;
  if (x1 === x2 && y1 === y2) return 'has both ends at the same point';
  const pixels = Math.hypot(x2 - x1, y2 - y1) * MAX_FRAME_SIDE;
  if (Math.round(pixels) > 0) return null;
  return `has its ends ${pixels.toPrecision(2)} px apart on the largest frame counted (${MAX_FRAME_SIDE} px a side): no length in pixels, so nothing can cross it`;
}

/** Parses `x1,y1,x2,y2[,name]`; throws an Error that quotes the value and says what is wrong with it. */
export function parseLine(value: string, fallbackName: string): NamedLine {
  const bad = (why: string) => new Error(`bad --line '${value}': ${why}`);
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 4) throw bad('expected x1,y1,x2,y2[,name]');
  const nums = parts.slice(0, 4).map((p) => (p === '' ? NaN : Number(p)));
  nums.forEach((n, i) => {
    if (!Number.isFinite(n)) throw bad(`${AXES[i]} '${parts[i]}' is not a number`);
    if (n < 0 || n > 1) throw bad(`${AXES[i]} = ${n} is outside 0..1 (coordinates are fractions of the frame)`);
  });
  const [x1, y1, x2, y2] = nums;
  if (x1 === x2 && y1 === y2) throw bad('the two end points are the same');
  const degenerate = degenerateLine(nums);
  if (degenerate) throw bad(`the line ${degenerate}`);
  if (parts.length > 5) throw bad('a line name may not contain a comma');
  const name = parts[4] ?? '';
  if (parts.length > 4 && name === '') throw bad('the name after the fourth comma is empty');
  if (name !== '' && !isLineName(name)) throw bad(`the name may hold only ${LINE_NAME_RULE}`);
  return { name: name || fallbackName, points: [x1, y1, x2, y2] };
}

/** Every `--line` value, named by {@link defaultLineName} where unnamed, or the default line; names must differ. */
export function parseLines(values: readonly string[] | undefined): NamedLine[] {
  if (!values || values.length === 0) return [{ ...DEFAULT_LINE, points: [...DEFAULT_LINE.points] }];
  const lines = values.map((v, i) => parseLine(String(v), defaultLineName(i, values.length)));
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.name)) throw new Error(`bad --line: the name '${l.name}' is used twice`);
    seen.add(l.name);
  }
  return lines;
}
