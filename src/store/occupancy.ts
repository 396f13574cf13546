import { instantAt, parseTimeOfDay, wallMidnight } from './zone.js';

/** How a task's occupancy (in − out over all its lines) is kept: reset daily at a local time, clamped at a floor. */
export interface OccupancyRules {
  /** "HH:MM" local time at which occupancy goes back to zero every day, or null. */
  reset: string | null;
  /** Occupancy never goes below this (e.g. 0: people who left unseen do not make it negative), or null. */
  floor: number | null;
  /** The zone `reset` is read in. */
  zone: string;
}

const DAY = 86_400_000;

/** The first reset instant after `after` (exclusive), or null without a reset time. */
export function nextReset(after: number, rules: OccupancyRules): number | null {
  if (rules.reset === null) return null;
  const minutes = parseTimeOfDay(rules.reset);
  if (minutes === null) throw new RangeError(`occupancy_reset must be "HH:MM", got "${rules.reset}"`);
  let wallDay = wallMidnight(after, rules.zone) - DAY;
  for (;;) {
    const at = instantAt(wallDay + minutes * 60_000, rules.zone);
    if (at > after) return at;
    wallDay += DAY;
  }
}

/** Whether a reset happens in (from, to]. */
export function resetBetween(from: number, to: number, rules: OccupancyRules): boolean {
  const next = nextReset(from, rules);
  return next !== null && next <= to;
}

/**
 * The running occupancy of one task. Each crossing moves it by ±1 at its time; a reset time passed since the previous
 * crossing first sets it back to zero; the floor clamps it after every step (so it is path-dependent, which is why
 * the value after each crossing is stored with it).
 */
export class Occupancy {
  private nextResetAt: number | null;

  constructor(
    readonly rules: OccupancyRules,
    private value = 0,
    private lastTs: number | null = null,
  ) {
    this.nextResetAt = lastTs === null ? null : nextReset(lastTs, rules);
  }

  /** Applies one crossing (+1 in, −1 out) at `ts` and returns the occupancy after it. */
  apply(delta: 1 | -1, ts: number): number {
    this.advance(ts);
    this.value = this.clamp(this.value + delta);
    return this.value;
  }

  get current(): number {
    return this.value;
  }

  /** What `apply` would return, without applying it. */
  peek(delta: 1 | -1, ts: number): number {
    const reset = this.lastTs !== null && ts >= this.lastTs && this.nextResetAt !== null && this.nextResetAt <= ts;
    return this.clamp((reset ? this.clamp(0) : this.value) + delta);
  }

  /** The occupancy at `ts` (resets passed since the last crossing applied), without counting anything. */
  at(ts: number): number {
    this.advance(ts);
    return this.value;
  }

  private advance(ts: number): void {
    if (this.lastTs === null) {
      this.lastTs = ts;
      this.nextResetAt = nextReset(ts, this.rules);
      return;
    }
    if (ts < this.lastTs) return;
    if (this.nextResetAt !== null && this.nextResetAt <= ts) {
      this.value = this.clamp(0);
      this.nextResetAt = nextReset(ts, this.rules);
    }
    this.lastTs = ts;
  }

  private clamp(v: number): number {
    return this.rules.floor === null ? v : Math.max(this.rules.floor, v);
  }
}
