import { lineIntersection, sideValue, type Point } from './geometry.js';
import type { Direction, LineSpec } from './types.js';

/**
 * Which side of one counting line one track's anchor is on, as data, and the step that moves it: the state machine
 * the line counter keeps per track and line. Side of P = sign(cross(B − A, P − A)); − → + is `in`, + → − is `out`.
 */

export interface Instant {
  frame: number;
  pts: number;
}

export interface PixelLine {
  name: string;
  a: Point;
  b: Point;
  length: number;
}

export interface TrackLineState {
  /** Last side the anchor was clearly on (beyond the margin): -1, +1, or 0 while not yet known. */
  side: number;
  /** Previous anchor position, and when it was observed. */
  prev: Point;
  prevAt: Instant;
  /** Last raw side (sign only, margin ignored), and where along AB and when the anchor last changed raw side. */
  rawSide: number;
  lastCrossU: number | null;
  lastCrossAt: Instant | null;
  /**
   * A change of side not yet far enough past the line to count (stepSide's `confirm`): the crossing it makes, null
   * when off the segment. Absent in checkpoints written before it existed.
   */
  held?: { crossing: SideCrossing | null } | null;
}

export interface SideCrossing {
  line: string;
  direction: Direction;
  frame: number;
  pts: number;
}

/** The state of an anchor first seen at p; within `margin` pixels of the line its side is not yet known. */
export function initialSide(line: PixelLine, p: Point, at: Instant, margin: number): TrackLineState {
  const s = sideValue(line.a, line.b, p);
  const clear = Math.abs(s) / line.length > margin ? Math.sign(s) : 0;
  return { side: clear, prev: p, prevAt: at, rawSide: Math.sign(s), lastCrossU: null, lastCrossAt: null };
}

/**
 * Moves the state (in place) to the anchor at p; returns the crossing it completes, if any. A change of side beyond
 * the margin becomes a crossing once the anchor is more than `confirm` pixels (≥ margin) from the line; until then it
 * is held, and dropped if the anchor comes back beyond the margin (box jitter of someone on the line), or counted by
 * releaseHeld when the track ends.
 */
export function stepSide(line: PixelLine, state: TrackLineState, p: Point, at: Instant, margin: number, confirm = margin): SideCrossing | null {
  const s = sideValue(line.a, line.b, p);
  const raw = Math.sign(s);
  const distance = Math.abs(s) / line.length;
  const clear = distance > margin ? raw : 0;
  if (raw !== 0 && raw !== state.rawSide) {
    // Where the anchor's own path crossed the infinite line: decides whether the crossing is on the segment.
    const hit = state.rawSide === 0 ? null : lineIntersection(state.prev, p, line.a, line.b);
    state.lastCrossU = hit ? hit.u : projectU(line, p);
    const along = hit ? Math.min(1, Math.max(0, hit.t)) : 1;
    state.lastCrossAt = {
      frame: Math.round(state.prevAt.frame + along * (at.frame - state.prevAt.frame)),
      pts: state.prevAt.pts + along * (at.pts - state.prevAt.pts),
    };
    state.rawSide = raw;
  }
  let crossing: SideCrossing | null = null;
  const flips = clear !== 0 && state.side !== 0 && clear !== state.side;
  const candidate = (): SideCrossing | null => {
    const u = state.lastCrossU;
    if (u === null || u < 0 || u > 1) return null;
    const when = state.lastCrossAt ?? at;
    return { line: line.name, direction: clear > 0 ? 'in' : 'out', frame: when.frame, pts: when.pts };
  };
  if (flips && distance <= confirm) {
    // Dated when the anchor first cleared the margin, as without holding: someone lingering on the line crossed then.
    state.held ??= { crossing: candidate() };
  } else {
    if (flips) crossing = state.held ? state.held.crossing : candidate();
    if (clear !== 0) {
      state.side = clear;
      state.held = null;
    }
  }
  state.prev = p;
  state.prevAt = at;
  return crossing;
}

/** A track's first observation, kept until its second says which way it was walking. */
export interface Birth {
  p: Point;
  height: number;
  at: Instant;
  /** The detection pass before it, when the person was not seen (or not as this track). */
  before: Instant | null;
}

/** When backdateSides credits a first step: the LineCounter's backdate options, and the pass and step it is at. */
export interface BackdateRule {
  /** The step, in box heights, below which it says nothing (jitter); 0 turns backdating off. */
  minStep: number;
  /** Largest |ln(height ratio)| of the two boxes. */
  maxLogHeight: number;
  /** Most first steps walked back. */
  maxSteps: number;
  /** Whether the birth was on the detection pass just before this one. */
  consecutive: boolean;
  /** stepSide's `confirm` for the step. */
  confirm: number;
}

/**
 * At a track's second observation (anchor p at `pts`): where its person was at the detection pass before its first
 * one, walking as between its first two. With seconds between passes someone first seen just past a line (hidden,
 * missed, or taken by another track on the pass before) crossed it unseen, and someone first seen on a line (within
 * the margin) has no side to cross from; the side history of each line starts from there instead (`perLine` is
 * changed in place). After a missed pass the second observation is more often someone else, so a crossing is only
 * credited this way from consecutive passes; a line the track was born on only gets its side.
 */
export function backdateSides(
  lines: readonly PixelLine[],
  perLine: Map<string, TrackLineState>,
  birth: Birth,
  p: Point,
  pts: number,
  margin: number,
  height: number,
  rule: BackdateRule,
): SideCrossing[] {
  const { before } = birth;
  if (!before || !(before.pts < birth.at.pts) || !(rule.minStep > 0)) return [];
  if (Math.hypot(p.x - birth.p.x, p.y - birth.p.y) < rule.minStep * height) return [];
  if (Math.abs(Math.log(height / birth.height)) > rule.maxLogHeight) return [];
  const back = Math.min(rule.maxSteps, (birth.at.pts - before.pts) / (pts - birth.at.pts));
  const p0 = { x: birth.p.x - (p.x - birth.p.x) * back, y: birth.p.y - (p.y - birth.p.y) * back };
  const found: SideCrossing[] = [];
  for (const line of lines) {
    const born = perLine.get(line.name);
    if (!born || (born.side !== 0 && !rule.consecutive)) continue;
    const state = initialSide(line, p0, before, margin);
    const crossing = stepSide(line, state, birth.p, birth.at, margin, rule.confirm);
    if (crossing) found.push(crossing);
    perLine.set(line.name, state);
  }
  return found;
}

/** Completes a held change of side (the track is no longer seen to come back); returns its crossing, if any. */
export function releaseHeld(state: TrackLineState): SideCrossing | null {
  if (!state.held) return null;
  const { crossing } = state.held;
  state.side = -state.side;
  state.held = null;
  return crossing;
}

/** Position of P's foot on AB as a fraction of AB (used when the path touched the line exactly). */
function projectU(line: PixelLine, p: Point): number {
  const dx = line.b.x - line.a.x;
  const dy = line.b.y - line.a.y;
  return ((p.x - line.a.x) * dx + (p.y - line.a.y) * dy) / (line.length * line.length);
}

/** Lines in frame pixels; names must be unique and lines longer than zero. */
export function toPixelLines(lines: readonly LineSpec[], frame: { width: number; height: number }): PixelLine[] {
  const names = new Set<string>();
  return lines.map((spec) => {
    if (names.has(spec.name)) throw new RangeError(`line name "${spec.name}" is used twice`);
    names.add(spec.name);
    const [x1, y1, x2, y2] = spec.points;
    const a = { x: x1 * frame.width, y: y1 * frame.height };
    const b = { x: x2 * frame.width, y: y2 * frame.height };
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    if (!(length > 0)) throw new RangeError(`line "${spec.name}" has zero length (${spec.points.join(',')})`);
    return { name: spec.name, a, b, length };
  });
}
