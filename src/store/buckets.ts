import { instantAt, wallMidnight } from './zone.js';

export type BucketSize = '15m' | '1h' | '1d';
export const BUCKET_SIZES: readonly BucketSize[] = ['15m', '1h', '1d'];

/** A report interval [start, end) in epoch milliseconds. */
export interface Bucket {
  start: number;
  end: number;
}

const DAY = 86_400_000;
/** A bucket's nominal length: a day bucket is 23 or 25 hours on a DST change day (bucketsBetween). */
export const BUCKET_MS: Record<BucketSize, number> = { '15m': 900_000, '1h': 3_600_000, '1d': DAY };

/**
 * The buckets that overlap [from, to), aligned to local midnight in `zone`. A day bucket runs from one local midnight
 * to the next (23 or 25 hours on a DST change day); 15-minute and hourly buckets are real intervals of that length
 * counted from local midnight, so a fall-back day has 25 hourly buckets (the repeated hour twice, with different
 * offsets) and a spring-forward day 23. The last bucket of a day ends at the next midnight.
 */
export function bucketsBetween(from: number, to: number, size: BucketSize, zone: string): Bucket[] {
  const buckets: Bucket[] = [];
  if (!(to > from)) return buckets;
  let wallDay = wallMidnight(from, zone);
  let start = instantAt(wallDay, zone);
  // A day that starts after `from` (from sits in a gap at midnight): the day before holds it.
  if (start > from) {
    wallDay -= DAY;
    start = instantAt(wallDay, zone);
  }
  while (start < to) {
    const next = instantAt(wallDay + DAY, zone);
    if (size === '1d') {
      if (next > from) buckets.push({ start, end: next });
    } else {
      for (let s = start; s < next && s < to; s += BUCKET_MS[size]) {
        const e = Math.min(s + BUCKET_MS[size], next);
        if (e > from) buckets.push({ start: s, end: e });
      }
    }
    wallDay += DAY;
    start = next;
  }
  return buckets;
}

/** The index of the bucket holding `t` (buckets sorted and contiguous), or -1. */
export function bucketIndex(buckets: readonly Bucket[], t: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t < buckets[mid].start) hi = mid - 1;
    else if (t >= buckets[mid].end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
