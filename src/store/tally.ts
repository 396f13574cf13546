import type { LineCount } from '../protocol/events.js';
import { LineSplits, type SplitKey } from '../protocol/line-splits.js';
import { Occupancy, type OccupancyRules } from './occupancy.js';
import type { ChainTally } from './rows.js';

export interface LineTotals {
  name: string;
  in: number;
  out: number;
}

/**
 * The totals of one count (a task's crossings since it last started from zero, across worker restarts and resumes):
 * in and out per line and the occupancy. Built from the store when a count continues, then moved by each crossing
 * in the same step that stores it, so what is shown is what is stored.
 */
export class Tally {
  private readonly lines = new Map<string, LineTotals>();
  /** With demographics on: each line's crossings by gender and age band. */
  private readonly splits: LineSplits | null;
  readonly occupancy: Occupancy;

  constructor(lineNames: readonly string[], rules: OccupancyRules, from: ChainTally | null = null, demographics = false) {
    for (const name of lineNames) this.lines.set(name, { name, in: 0, out: 0 });
    for (const l of from?.lines ?? []) this.lines.set(l.name, { ...l });
    this.occupancy = new Occupancy(rules, from?.last?.occupancy ?? 0, from?.last?.ts ?? null);
    this.splits = demographics ? new LineSplits(lineNames) : null;
    for (const s of from?.splits ?? []) this.splits?.bump(s.line, s, s.n);
  }

  /** The lines are changed while counting: new names show at once with zero counts; those that went away keep theirs. */
  addLines(names: readonly string[]): void {
    for (const name of names) if (!this.lines.has(name)) this.lines.set(name, { name, in: 0, out: 0 });
  }

  /** Counts one crossing (`who`: its gender and age band, demographics on); returns the occupancy after it. */
  add(line: string, direction: 'in' | 'out', ts: number, who: Partial<SplitKey> = {}): number {
    let l = this.lines.get(line);
    if (!l) {
      l = { name: line, in: 0, out: 0 };
      this.lines.set(line, l);
    }
    l[direction] += 1;
    this.splits?.add(line, { gender: who.gender ?? null, age_band: who.age_band ?? null });
    return this.occupancy.apply(direction === 'in' ? 1 : -1, ts);
  }

  /** Takes back a counted crossing (a fleet run counts its frame again); returns the occupancy after it. */
  retract(line: string, direction: 'in' | 'out', ts: number, who: Partial<SplitKey> = {}): number {
    const l = this.lines.get(line);
    if (l && l[direction] > 0) l[direction] -= 1;
    this.splits?.bump(line, { gender: who.gender ?? null, age_band: who.age_band ?? null }, -1);
    return this.occupancy.apply(direction === 'in' ? -1 : 1, ts);
  }

  /** A crossing counted as pending (unknown) got its estimate. */
  settle(line: string, after: SplitKey): void {
    this.splits?.settle(line, { gender: null, age_band: null }, after);
  }

  /** The occupancy `add` would return. */
  peek(direction: 'in' | 'out', ts: number): number {
    return this.occupancy.peek(direction === 'in' ? 1 : -1, ts);
  }

  perLine(): LineCount[] {
    return [...this.lines.values()].map((l) => (this.splits ? { ...l, ...this.splits.get(l.name) } : { ...l }));
  }

  get in(): number {
    let n = 0;
    for (const l of this.lines.values()) n += l.in;
    return n;
  }

  get out(): number {
    let n = 0;
    for (const l of this.lines.values()) n += l.out;
    return n;
  }

  /** Occupancy after the last crossing or reset seen. */
  get occupancyNow(): number {
    return this.occupancy.current;
  }

  /** Occupancy at `now`: after a reset time with no crossing since, zero. */
  occupancyAt(now: number): number {
    return this.occupancy.at(now);
  }
}
