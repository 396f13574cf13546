import { AGE_BAND_NAMES, type AgeBandCounts, type DemographicFields, type DemographicsEvent, type GenderCounts } from './events.js';

/** The split of one line's crossings (in and out together), as `progress` and `done` carry it. */
export interface LineSplit {
  gender: GenderCounts;
  age_band: AgeBandCounts;
}

/** What a crossing is counted under: its gender and age band (null: unknown). */
export type SplitKey = Pick<DemographicFields, 'gender' | 'age_band'>;

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

  add(line: string, f: SplitKey): void {
    this.bump(line, f, 1);
  }

  /** A pending crossing got its final fields. */
  settle(line: string, before: SplitKey, after: SplitKey): void {
    this.bump(line, before, -1);
    this.bump(line, after, 1);
  }

  get(line: string): LineSplit {
    const s = this.byLine.get(line) ?? emptySplit();
    return { gender: { ...s.gender }, age_band: { ...s.age_band } };
  }

  /** The lines seen so far, each with its split. */
  entries(): [string, LineSplit][] {
    return [...this.byLine.keys()].map((line) => [line, this.get(line)]);
  }

  bump(line: string, f: SplitKey, by: number): void {
    let s = this.byLine.get(line);
    if (!s) {
      s = emptySplit();
      this.byLine.set(line, s);
    }
    s.gender[f.gender ?? 'unknown'] += by;
    s.age_band[f.age_band ?? 'unknown'] += by;
  }
}

const DEMOGRAPHIC_KEYS = ['gender', 'gender_score', 'age', 'age_band', 'face_px'] as const;

/** The demographic fields of an event, without the rest of it. */
export function demographicFieldsOf(ev: DemographicFields): DemographicFields {
  const fields = Object.fromEntries(DEMOGRAPHIC_KEYS.map((k) => [k, ev[k]])) as unknown as DemographicFields;
  if (ev.reason) fields.reason = ev.reason;
  return fields;
}

/** A record of a pending crossing (an event, stored attributes) takes the estimate that came after it. */
export function settleCrossing<T extends Partial<DemographicFields>>(crossing: T, ev: DemographicsEvent): T {
  delete crossing.reason;
  return Object.assign(crossing, demographicFieldsOf(ev));
}
