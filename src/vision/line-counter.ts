import { anchorPoint, lineIntersection, segmentDistance, sideValue, type AnchorMode, type Point } from './geometry.js';
import type { Box, Direction, LineSpec } from './types.js';

export interface CrossingRecord {
  line: string;
  track: number;
  direction: Direction;
  /**
   * Frame where the anchor's path crossed the line: between the two observations on either side of it, in proportion
   * to where the path meets the line (after a gap in the observations this is earlier than the frame that counted it).
   */
  frame: number;
  /** Seconds into the source at that point of the path. */
  pts: number;
}

export interface CounterOptions {
  anchor: AnchorMode;
  /** Hysteresis margin in box heights: a side only changes once the anchor is farther than this from the line. */
  marginRelative: number;
  /** Lower bound of the margin in pixels, for tiny boxes. */
  marginMinPx: number;
}

export const DEFAULT_COUNTER_OPTIONS: Readonly<CounterOptions> = Object.freeze({
  // Feet are what crosses a line drawn on the ground, and what the ground-truth rule uses.
  anchor: 'bottom',
  // Box edges of a person standing still jitter by a few percent of the height; 5% keeps that off the line.
  marginRelative: 0.05,
  // The ground-truth README checks its counts with a 5 px margin; 3 px is below that and above pixel rounding.
  marginMinPx: 3,
});

/** The part of a track the counter needs. */
export interface CountableTrack {
  id: number;
  box: Box;
  confirmed: boolean;
}

export interface LineCount {
  name: string;
  in: number;
  out: number;
}

interface PixelLine {
  name: string;
  a: Point;
  b: Point;
  length: number;
}

interface TrackLineState {
  /** Last side the anchor was clearly on (beyond the margin): -1, +1, or 0 while not yet known. */
  side: number;
  /** Previous anchor position, and when it was observed. */
  prev: Point;
  prevAt: { frame: number; pts: number };
  /** Last raw side (sign only, margin ignored), and where along AB and when the anchor last changed raw side. */
  rawSide: number;
  lastCrossU: number | null;
  lastCrossAt: { frame: number; pts: number } | null;
}

/**
 * Counts anchor crossings of named line segments. Side of P = sign(cross(B − A, P − A)); − → + is `in`, + → − is
 * `out`; a crossing counts when the anchor's path meets the segment itself. Crossings of tracks that are not yet
 * confirmed are held back and released, with their original frame, once the track is confirmed.
 */
export class LineCounter {
  private lines: PixelLine[];
  private readonly options: CounterOptions;
  private readonly states = new Map<number, Map<string, TrackLineState>>();
  private readonly pending = new Map<number, CrossingRecord[]>();
  private readonly totals = new Map<string, LineCount>();

  constructor(lines: readonly LineSpec[], frame: { width: number; height: number }, options: Partial<CounterOptions> = {}) {
    if (!(frame.width > 0 && frame.height > 0)) {
      throw new RangeError(`frame size must be positive, got ${frame.width}x${frame.height}`);
    }
    this.options = { ...DEFAULT_COUNTER_OPTIONS, ...options };
    this.lines = toPixelLines(lines, frame);
    for (const line of this.lines) this.totals.set(line.name, { name: line.name, in: 0, out: 0 });
  }

  /** Feed the current positions of visible tracks; returns the crossings counted now (including released ones). */
  update(tracks: readonly CountableTrack[], frame: number, pts: number): CrossingRecord[] {
    const counted: CrossingRecord[] = [];
    for (const track of tracks) {
      const found = this.observe(track, frame, pts);
      if (track.confirmed) {
        const held = this.pending.get(track.id);
        if (held) {
          counted.push(...held);
          this.pending.delete(track.id);
        }
        counted.push(...found);
      } else if (found.length > 0) {
        this.pending.set(track.id, [...(this.pending.get(track.id) ?? []), ...found]);
      }
    }
    for (const c of counted) {
      const total = this.totals.get(c.line);
      if (total) total[c.direction] += 1;
    }
    return counted;
  }

  /** Forget tracks that ended; crossings still held for a track that never got confirmed are dropped. */
  forget(trackIds: Iterable<number>): void {
    for (const id of trackIds) {
      this.states.delete(id);
      this.pending.delete(id);
    }
  }

  /** Whether the box's anchor is within `heights` box heights of any line (where identities matter for counting). */
  near(box: Box, heights: number): boolean {
    const p = anchorPoint(box, this.options.anchor);
    return this.lines.some((line) => segmentDistance(p, line.a, line.b) <= heights * box[3]);
  }

  counts(): LineCount[] {
    return [...this.totals.values()].map((c) => ({ ...c }));
  }

  /** Totals over all lines; occupancy = in − out. */
  summary(): { in: number; out: number; occupancy: number } {
    let totalIn = 0;
    let totalOut = 0;
    for (const c of this.totals.values()) {
      totalIn += c.in;
      totalOut += c.out;
    }
    return { in: totalIn, out: totalOut, occupancy: totalIn - totalOut };
  }

  private observe(track: CountableTrack, frame: number, pts: number): CrossingRecord[] {
    const p = anchorPoint(track.box, this.options.anchor);
    const margin = Math.max(this.options.marginMinPx, this.options.marginRelative * track.box[3]);
    let perLine = this.states.get(track.id);
    if (!perLine) {
      perLine = new Map();
      this.states.set(track.id, perLine);
    }
    const found: CrossingRecord[] = [];
    for (const line of this.lines) {
      const s = sideValue(line.a, line.b, p);
      const raw = Math.sign(s);
      const clear = Math.abs(s) / line.length > margin ? raw : 0;
      const state = perLine.get(line.name);
      if (!state) {
        perLine.set(line.name, { side: clear, prev: p, prevAt: { frame, pts }, rawSide: raw, lastCrossU: null, lastCrossAt: null });
        continue;
      }
      if (raw !== 0 && raw !== state.rawSide) {
        // Where the anchor's own path crossed the infinite line: decides whether the crossing is on the segment.
        const hit = state.rawSide === 0 ? null : lineIntersection(state.prev, p, line.a, line.b);
        state.lastCrossU = hit ? hit.u : this.projectU(line, p);
        const along = hit ? Math.min(1, Math.max(0, hit.t)) : 1;
        state.lastCrossAt = {
          frame: Math.round(state.prevAt.frame + along * (frame - state.prevAt.frame)),
          pts: state.prevAt.pts + along * (pts - state.prevAt.pts),
        };
        state.rawSide = raw;
      }
      if (clear !== 0 && state.side !== 0 && clear !== state.side) {
        const u = state.lastCrossU;
        if (u !== null && u >= 0 && u <= 1) {
          const at = state.lastCrossAt ?? { frame, pts };
          found.push({ line: line.name, track: track.id, direction: clear > 0 ? 'in' : 'out', frame: at.frame, pts: at.pts });
        }
      }
      if (clear !== 0) state.side = clear;
      state.prev = p;
      state.prevAt = { frame, pts };
    }
    return found;
  }

  /**
   * Counts on `lines` from the next update on, mid-run. Totals are kept by name, also for lines that go away (what
   * was counted stays counted); a line that moved or is new starts without side history, so the move itself is never
   * a crossing. Crossings held back for tentative tracks are kept.
   */
  setLines(lines: readonly LineSpec[], frame: { width: number; height: number }): void {
    const next = toPixelLines(lines, frame);
    const before = new Map(this.lines.map((l) => [l.name, l]));
    for (const line of next) {
      const old = before.get(line.name);
      const same = old && old.a.x === line.a.x && old.a.y === line.a.y && old.b.x === line.b.x && old.b.y === line.b.y;
      if (!same) for (const perLine of this.states.values()) perLine.delete(line.name);
      if (!this.totals.has(line.name)) this.totals.set(line.name, { name: line.name, in: 0, out: 0 });
    }
    this.lines = next;
  }

  /** Position of P's foot on AB as a fraction of AB (used when the path touched the line exactly). */
  private projectU(line: PixelLine, p: Point): number {
    const dx = line.b.x - line.a.x;
    const dy = line.b.y - line.a.y;
    return ((p.x - line.a.x) * dx + (p.y - line.a.y) * dy) / (line.length * line.length);
  }
}

/** Lines in frame pixels; names must be unique and lines longer than zero. */
function toPixelLines(lines: readonly LineSpec[], frame: { width: number; height: number }): PixelLine[] {
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
