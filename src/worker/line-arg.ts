import type { LineSpec } from '../vision/types.js';
import { isLineName, LINE_NAME_RULE } from '../protocol/names.js';
import { WorkerError } from './errors.js';

/** Used when no `--line` is given: a vertical line through the middle of the frame, top to bottom. */
export const DEFAULT_LINE: LineSpec = { name: 'line', points: [0.5, 0, 0.5, 1] };

/**
 * Parses one `--line` value `x1,y1,x2,y2[,name]` (fractions of frame width and height). `fallbackName` is used
 * when the value has no name. Throws BAD_LINE naming the value and what is wrong with it.
 */
export function parseLineArg(value: string, fallbackName: string): LineSpec {
  const bad = (why: string) => new WorkerError('BAD_LINE', `bad --line '${value}': ${why}`);
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 4) throw bad('expected x1,y1,x2,y2[,name]');
  const nums = parts.slice(0, 4).map((p) => (p === '' ? NaN : Number(p)));
  nums.forEach((n, i) => {
    if (!Number.isFinite(n)) throw bad(`${['x1', 'y1', 'x2', 'y2'][i]} '${parts[i]}' is not a number`);
    if (n < 0 || n > 1) throw bad(`${['x1', 'y1', 'x2', 'y2'][i]} = ${n} is outside 0..1 (coordinates are fractions of the frame)`);
  });
  const [x1, y1, x2, y2] = nums;
  if (x1 === x2 && y1 === y2) throw bad('the two end points are the same');
  if (parts.length > 5) throw bad('a line name may not contain a comma');
  const name = (parts[4] ?? '').trim();
  if (parts.length > 4 && name === '') throw bad('the name after the fourth comma is empty');
  if (name !== '' && !isLineName(name)) throw bad(`the name may hold only ${LINE_NAME_RULE}`);
  return { name: name || fallbackName, points: [x1, y1, x2, y2] };
}

/** All `--line` values, or the default line. Unnamed lines are called `line`, or `line1`, `line2`… when several. */
export function parseLineArgs(values: readonly string[] | undefined): LineSpec[] {
  if (!values || values.length === 0) return [DEFAULT_LINE];
  const lines = values.map((v, i) => parseLineArg(String(v), values.length === 1 ? 'line' : `line${i + 1}`));
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.name)) throw new WorkerError('BAD_LINE', `bad --line: the name '${l.name}' is used twice`);
    seen.add(l.name);
  }
  return lines;
}
