/** The interval's memory as plain data (a checkpoint's). */
export interface PassData {
  last: number | null;
  recent: number[];
}

/**
 * The usual time between detection passes: the median of the last few, so that one gap in a live stream does not
 * count as the rhythm.
 */
export class PassInterval {
  private last: number | null = null;
  private readonly recent: number[] = [];

  note(t: number): void {
    if (this.last !== null && t > this.last) {
      this.recent.push(t - this.last);
      if (this.recent.length > 5) this.recent.shift();
    }
    this.last = t;
  }

  toData(): PassData {
    return { last: this.last, recent: [...this.recent] };
  }

  loadData(d: PassData): void {
    this.last = d.last;
    this.recent.splice(0, this.recent.length, ...d.recent);
  }

  /** `seconds`, or `passes` detection intervals when those are longer (sparse detections: low frame rates, skipping). */
  lifetime(seconds: number, passes: number): number {
    if (this.recent.length === 0) return seconds;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return Math.max(seconds, passes * sorted[sorted.length >> 1]);
  }
}
