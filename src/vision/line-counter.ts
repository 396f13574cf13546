import { anchorPoint, segmentDistance, type AnchorMode } from './geometry.js';
import { backdateSides, initialSide, releaseHeld, stepSide, toPixelLines, type Birth, type Instant, type PixelLine, type TrackLineState } from './line-side.js';
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
  /**
   * At a track's second observation its first step, when at least this many box heights long, is taken back to the
   * detection pass before its first (see `backdate`); 0 turns this off.
   */
  backdateMinStep: number;
  /** ...and only when the two boxes are of one size (|ln(height ratio)| at most this): else the box grew or shrank. */
  backdateMaxLogHeight: number;
  /** ...and at most this many of its first steps back: the pass before may be long before (a paused recording). */
  backdateMaxSteps: number;
  /**
   * A change of side counts once the anchor is this many box heights past the line (at least the margin); until then
   * it is held: dropped if the anchor is seen back, counted once the track is seen farther past or ends.
   */
  confirmStep: number;
}

export const DEFAULT_COUNTER_OPTIONS: Readonly<CounterOptions> = Object.freeze({
  // Feet are what crosses a line drawn on the ground, and what the ground-truth rule uses.
  anchor: 'bottom',
  // Box edges of a person standing still jitter by a few percent of the height; 5% keeps that off the line.
  marginRelative: 0.05,
  // The ground-truth README checks its counts with a 5 px margin; 3 px is below that and above pixel rounding.
  marginMinPx: 3,
  // Boxes jitter by about 0.08 body heights between passes, which says nothing of where someone came from (0.05 and
  // 0.1 counted the same on the nine bench:count replays, 0.2 lost two crossings of people born on a line).
  backdateMinStep: 0.1,
  // Two boxes of one person differ by up to ~15% in height (8% jitter each); a box that grew more has taken in its
  // feet (cut by the frame's bottom edge, then placed below it), so its anchor jumped without a step (0.1–0.15 the
  // same, 0.25 an extra on vtest.avi from such a jump).
  backdateMaxLogHeight: 0.15,
  // Passes come at one rate, so the pass before a track's birth is at most one of its first steps back (its second
  // observation may come a pass later); only a gap in the footage (a paused recording, a camera that stalled) makes it
  // more, and a walk back across a gap of seconds credited crossings of people who were nowhere near (4/6 for 3/2 on a
  // clip with pauses at skip 3). 4 leaves dropped frames of a live source their backdating.
  backdateMaxSteps: 4,
  // Box jitter is about 0.08 body heights, above the margin: someone standing on a line, or turning back on it,
  // had feet jittering 0.05–0.09 heights past it and was counted out and in. On the 31 bench:count replays 0.08 took
  // 18 of 144 extras away for 2 of 2804 crossings; 0.06 11 for 1; 0.1 24 for 4, two of them on one run (vtest.avi
  // backwards at skip 5); docs/measurements.md.
  confirmStep: 0.08,
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

/** The counter as plain data (a checkpoint's): per track its side of each line, held crossings and birth; totals. */
export interface LineCounterData {
  states: [track: number, [line: string, TrackLineState][]][];
  pending: [track: number, CrossingRecord[]][];
  births: [track: number, Birth][];
  /** Tracks seen confirmed (absent in checkpoints written before held changes of side existed). */
  confirmed?: number[];
  totals: LineCount[];
  lastPass: Instant | null;
  thisPass: Instant | null;
}

/**
 * Counts anchor crossings of named line segments. Side of P = sign(cross(B − A, P − A)); − → + is `in`, + → − is
 * `out`; a crossing counts when the anchor's path meets the segment itself. Crossings of tracks that are not yet
 * confirmed are held back and released, with their original frame, once the track is confirmed.
 */
export class LineCounter {
  private lines: PixelLine[];
  private readonly options: CounterOptions;
  private states = new Map<number, Map<string, TrackLineState>>();
  private pending = new Map<number, CrossingRecord[]>();
  private totals = new Map<string, LineCount>();
  private births = new Map<number, Birth>();
  /** Tracks seen confirmed, whose released crossings count at once. */
  private confirmed = new Set<number>();
  /** The last detection pass (update call) before the current one. */
  private lastPass: Instant | null = null;
  private thisPass: Instant | null = null;

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
    if (this.thisPass === null || this.thisPass.pts !== pts) {
      this.lastPass = this.thisPass;
      this.thisPass = { frame, pts };
    }
    const counted: CrossingRecord[] = [];
    for (const track of tracks) {
      if (track.confirmed) this.confirmed.add(track.id);
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
    return this.tally(counted);
  }

  /**
   * The source ended, or counting stops: no track is seen again, as if every track ended. A held change of side
   * counts as it does when its track ends mid-file (forget): the feet were past the margin on the other side, which
   * is the documented rule's own evidence, and nothing was seen to take it back; holding only waits for evidence that
   * the person stood on the line, and none can come now. Crossings held for tentative tracks stay uncounted, as when
   * such a track ends mid-file: the tracker never took it for a person. Returns the crossings counted now.
   */
  finish(): CrossingRecord[] {
    return this.tally(this.settle(this.completeHeld(this.states.keys())));
  }

  toData(): LineCounterData {
    return structuredClone({
      states: [...this.states].map(([id, perLine]) => [id, [...perLine]] as [number, [string, TrackLineState][]]),
      pending: [...this.pending],
      births: [...this.births],
      confirmed: [...this.confirmed],
      totals: [...this.totals.values()],
      lastPass: this.lastPass,
      thisPass: this.thisPass,
    });
  }

  /**
   * Continues from `d` (what toData gave) on this counter's lines: side histories and totals are kept by line name,
   * so a line of `d` this counter does not have keeps its total only.
   */
  loadData(d: LineCounterData): void {
    const c = structuredClone(d);
    this.states = new Map(c.states.map(([id, perLine]) => [id, new Map(perLine)]));
    this.pending = new Map(c.pending);
    this.births = new Map(c.births);
    this.confirmed = new Set(c.confirmed ?? []);
    this.totals = new Map(c.totals.map((t) => [t.name, t]));
    for (const line of this.lines) if (!this.totals.has(line.name)) this.totals.set(line.name, { name: line.name, in: 0, out: 0 });
    this.lastPass = c.lastPass;
    this.thisPass = c.thisPass;
  }

  /**
   * Forgets tracks that ended. A change of side still held for a confirmed one counts now: its person was not seen
   * to come back. Only now, not when the track first goes unseen: a track still kept (lost, or waiting to be
   * re-linked) may be seen again, back on the side it came from (someone who stopped on the line, hidden), or taken by
   * a passer-by, whose side says nothing of this person. Crossings held for a track never confirmed are dropped.
   * Returns the crossings counted now.
   */
  forget(trackIds: Iterable<number>): CrossingRecord[] {
    const ids = [...trackIds];
    const counted = this.tally(this.settle(this.completeHeld(ids)));
    for (const id of ids) {
      this.states.delete(id);
      this.pending.delete(id);
      this.births.delete(id);
      this.confirmed.delete(id);
    }
    return counted;
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

  /** Released crossings of confirmed tracks, to count; those of tentative tracks are held until they are confirmed. */
  private settle(released: Map<number, CrossingRecord[]>): CrossingRecord[] {
    const counted: CrossingRecord[] = [];
    for (const [id, crossings] of released) {
      if (this.confirmed.has(id)) counted.push(...crossings);
      else this.pending.set(id, [...(this.pending.get(id) ?? []), ...crossings]);
    }
    return counted;
  }

  private tally(counted: CrossingRecord[]): CrossingRecord[] {
    for (const c of counted) {
      const total = this.totals.get(c.line);
      if (total) total[c.direction] += 1;
    }
    return counted;
  }

  /** How far past a line (pixels) an anchor must be for its change of side to count. */
  private confirmDistance(height: number, margin: number): number {
    return Math.max(margin, this.options.confirmStep * height);
  }

  /** Held changes of side of the tracks `ids`, completed: their people were not seen to come back (`confirmStep`). */
  private completeHeld(ids: Iterable<number>): Map<number, CrossingRecord[]> {
    const released = new Map<number, CrossingRecord[]>();
    for (const id of ids) {
      const perLine = this.states.get(id);
      if (!perLine) continue;
      for (const state of perLine.values()) {
        const c = releaseHeld(state);
        if (c) released.set(id, [...(released.get(id) ?? []), { ...c, track: id }]);
      }
    }
    return released;
  }

  private observe(track: CountableTrack, frame: number, pts: number): CrossingRecord[] {
    const p = anchorPoint(track.box, this.options.anchor);
    const margin = Math.max(this.options.marginMinPx, this.options.marginRelative * track.box[3]);
    const at = { frame, pts };
    let perLine = this.states.get(track.id);
    if (!perLine) {
      perLine = new Map();
      this.states.set(track.id, perLine);
      this.births.set(track.id, { p, height: track.box[3], at, before: this.lastPass });
    }
    const found: CrossingRecord[] = [];
    const birth = this.births.get(track.id);
    if (birth && birth.at.pts < pts) {
      this.births.delete(track.id);
      const rule = {
        minStep: this.options.backdateMinStep,
        maxLogHeight: this.options.backdateMaxLogHeight,
        maxSteps: this.options.backdateMaxSteps,
        consecutive: this.lastPass?.pts === birth.at.pts,
        confirm: this.confirmDistance(track.box[3], margin),
      };
      for (const c of backdateSides(this.lines, perLine, birth, p, pts, margin, track.box[3], rule)) found.push({ ...c, track: track.id });
    }
    for (const line of this.lines) {
      const state = perLine.get(line.name);
      if (!state) {
        perLine.set(line.name, initialSide(line, p, at, margin));
        continue;
      }
      const crossing = stepSide(line, state, p, at, margin, this.confirmDistance(track.box[3], margin));
      if (crossing) found.push({ ...crossing, track: track.id });
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
}
