import { maxMatchingMinCost } from '../vision/assignment.js';
import { LineCounter, type CounterOptions } from '../vision/line-counter.js';
import type { Box, Direction, LineSpec } from '../vision/types.js';

/** One line crossing at a time in seconds (ground truth or found by a worker). */
export interface TimedCrossing {
  line: string;
  direction: Direction;
  /** Seconds into the footage (real time, not the container's clock when the two differ). */
  t: number;
  /** Track or person id, for reports only. */
  id?: number;
}

export interface CrossingMatch {
  matched: { truth: TimedCrossing; found: TimedCrossing }[];
  /** Ground-truth crossings no found crossing was matched to (false negatives). */
  missed: TimedCrossing[];
  /** Found crossings no ground-truth crossing was matched to (false positives). */
  extra: TimedCrossing[];
}

export interface CrossingScore {
  truth: number;
  found: number;
  matched: number;
  missed: number;
  extra: number;
  /** NaN when nothing was found, recall NaN when there was nothing to find; F1 is 1 when both are empty. */
  precision: number;
  recall: number;
  f1: number;
}

const groupKey = (c: TimedCrossing) => `${c.line}\u0000${c.direction}`;

/**
 * Pairs ground-truth crossings with found ones: same line, same direction, at most `toleranceSeconds` apart. Among
 * the pairings with the most pairs, the one with the least total time difference (so one early double count cannot
 * steal the match of a later, right one).
 */
export function matchCrossings(
  truth: readonly TimedCrossing[],
  found: readonly TimedCrossing[],
  toleranceSeconds: number,
): CrossingMatch {
  if (!(toleranceSeconds >= 0)) throw new RangeError(`crossing time tolerance must be ≥ 0 s, got ${toleranceSeconds}`);
  const groups = new Map<string, { truth: TimedCrossing[]; found: TimedCrossing[] }>();
  const group = (c: TimedCrossing) => {
    const key = groupKey(c);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { truth: [], found: [] }));
    return g;
  };
  for (const c of truth) group(c).truth.push(c);
  for (const c of found) group(c).found.push(c);
  const result: CrossingMatch = { matched: [], missed: [], extra: [] };
  for (const g of groups.values()) {
    const cost = g.truth.map((a) =>
      g.found.map((b) => {
        const dt = Math.abs(a.t - b.t);
        return dt <= toleranceSeconds ? dt : Infinity;
      }),
    );
    const { matches, unmatchedRows, unmatchedCols } =
      g.truth.length > 0 && g.found.length > 0
        ? maxMatchingMinCost(cost)
        : { matches: [], unmatchedRows: g.truth.map((_, i) => i), unmatchedCols: g.found.map((_, j) => j) };
    for (const [i, j] of matches) result.matched.push({ truth: g.truth[i], found: g.found[j] });
    for (const i of unmatchedRows) result.missed.push(g.truth[i]);
    for (const j of unmatchedCols) result.extra.push(g.found[j]);
  }
  const byTime = (a: TimedCrossing, b: TimedCrossing) => a.t - b.t;
  result.matched.sort((a, b) => byTime(a.truth, b.truth));
  result.missed.sort(byTime);
  result.extra.sort(byTime);
  return result;
}

/** Precision, recall and F1 from counts. */
export function crossingScore(matched: number, missed: number, extra: number): CrossingScore {
  const truth = matched + missed;
  const found = matched + extra;
  const precision = found > 0 ? matched / found : NaN;
  const recall = truth > 0 ? matched / truth : NaN;
  const f1 = truth + found > 0 ? (2 * matched) / (truth + found) : 1;
  return { truth, found, matched, missed, extra, precision, recall, f1 };
}

/** The score of the crossings of one line (or of all lines when `line` is omitted). */
export function scoreMatch(m: CrossingMatch, line?: string): CrossingScore {
  const on = (c: TimedCrossing) => line === undefined || c.line === line;
  return crossingScore(m.matched.filter((p) => on(p.truth)).length, m.missed.filter(on).length, m.extra.filter(on).length);
}

/** Scores summed over several clips or lines: pooled precision, recall and F1 (each crossing weighs the same). */
export function poolScores(scores: readonly CrossingScore[]): CrossingScore {
  const sum = (k: 'matched' | 'missed' | 'extra') => scores.reduce((s, x) => s + x[k], 0);
  return crossingScore(sum('matched'), sum('missed'), sum('extra'));
}

/** One annotated person box in one frame. */
export interface TruthBox {
  frame: number;
  id: number;
  box: Box;
}

/**
 * Crossings of annotated people, by the counting rule the worker uses (the same LineCounter, every person confirmed),
 * frame f at time (f − 1) / fps.
 */
export function truthCrossings(
  boxes: readonly TruthBox[],
  lines: readonly LineSpec[],
  frame: { width: number; height: number },
  fps: number,
  options: Partial<CounterOptions> = {},
): TimedCrossing[] {
  // The documented rule counts every change of side beyond the margin; holding a change until the feet are farther
  // past (`confirmStep`) is for the detector's jittering boxes, not for annotated ones.
  const counter = new LineCounter(lines, frame, { confirmStep: 0, ...options });
  const byFrame = new Map<number, TruthBox[]>();
  for (const b of boxes) {
    const list = byFrame.get(b.frame);
    if (list) list.push(b);
    else byFrame.set(b.frame, [b]);
  }
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  const found: TimedCrossing[] = [];
  for (const f of frames) {
    const present = byFrame.get(f)!;
    for (const c of counter.update(present.map((b) => ({ id: b.id, box: b.box, confirmed: true })), f, (f - 1) / fps)) {
      found.push({ line: c.line, direction: c.direction, t: c.pts, id: c.track });
    }
  }
  return found;
}

/**
 * A box cut to the picture. Annotations extend the box of a person whose feet are below the frame beyond it, which puts
 * the anchor outside the picture where a line that ends at the frame edge is not; a camera sees that person cross.
 */
export function cutToPicture(box: Box, frame: { width: number; height: number }): Box {
  const x0 = Math.max(0, box[0]);
  const y0 = Math.max(0, box[1]);
  return [x0, y0, Math.min(frame.width, box[0] + box[2]) - x0, Math.min(frame.height, box[1] + box[3]) - y0];
}
