import { AGE_BAND_NAMES, type AgeBandCounts, type DemographicFields, type GenderCounts } from '../../protocol/events.js';

/** The split of one line's crossings (in and out together), as `progress` and `done` carry it. */
export interface LineSplit {
  gender: GenderCounts;
  age_band: AgeBandCounts;
}

const emptySplit = (): LineSplit => ({
  gender: { male: 0, female: 0, unknown: 0 },
  age_band: Object.fromEntries([...AGE_BAND_NAMES, 'unknown'].map((b) => [b, 0])) as AgeBandCounts,
});

/**
 * Counts crossings per line by gender and age band. A crossing still pending counts as unknown and moves when its
 * estimate arrives, so male + female + unknown is always the line's in + out.
 */
export class LineSplits {
  private readonly byLine = new Map<string, LineSplit>();

  constructor(lines: readonly string[]) {
    for (const l of lines) this.byLine.set(l, emptySplit());
  }

  add(line: string, f: DemographicFields): void {
    this.bump(line, f, 1);
  }

  /** A pending crossing got its final fields. */
  settle(line: string, before: DemographicFields, after: DemographicFields): void {
    this.bump(line, before, -1);
    this.bump(line, after, 1);
  }

  get(line: string): LineSplit {
    const s = this.byLine.get(line) ?? emptySplit();
    return { gender: { ...s.gender }, age_band: { ...s.age_band } };
  }

  private bump(line: string, f: DemographicFields, by: number): void {
    let s = this.byLine.get(line);
    if (!s) {
      s = emptySplit();
      this.byLine.set(line, s);
    }
    s.gender[f.gender ?? 'unknown'] += by;
    s.age_band[f.age_band ?? 'unknown'] += by;
  }
}
