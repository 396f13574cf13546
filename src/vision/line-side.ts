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

/** Moves the state (in place) to the anchor at p; returns the crossing it completes, if any. */
export function stepSide(line: PixelLine, state: TrackLineState, p: Point, at: Instant, margin: number): SideCrossing | null {
  const s = sideValue(line.a, line.b, p);
  const raw = Math.sign(s);
  const clear = Math.abs(s) / line.length > margin ? raw : 0;
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
  if (clear !== 0 && state.side !== 0 && clear !== state.side) {
    const u = state.lastCrossU;
    if (u !== null && u >= 0 && u <= 1) {
      const when = state.lastCrossAt ?? at;
      crossing = { line: line.name, direction: clear > 0 ? 'in' : 'out', frame: when.frame, pts: when.pts };
    }
  }
  if (clear !== 0) state.side = clear;
  state.prev = p;
  state.prevAt = at;
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
