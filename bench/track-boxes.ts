import type { MotRow } from '../src/metrics/gt.js';
import { iou } from '../src/vision/geometry.js';
import { Track } from '../src/vision/track.js';
import type { Box } from '../src/vision/types.js';

/** The raw box each track matched on the current pass (Track keeps only the filtered one), for the miss benches. */
const rawBox = new WeakMap<Track, Box>();
const match = Track.prototype.match;
Track.prototype.match = function (this: Track, box: Box, score: number, t: number) {
  rawBox.set(this, box);
  match.call(this, box, score, t);
};

/** The detector's own box of a track on this pass (its first sighting's on the pass it was born). */
export function passBox(track: Track, pts: number): Box {
  return track.born === pts && track.hits === 1 ? track.firstSighting.box : rawBox.get(track)!;
}

/** Each person of the frame takes the box they overlap most (IoU ≥ 0.5), one each, largest IoU first. */
export function pairPeople(boxes: readonly Box[], people: readonly MotRow[]): Map<number, number> {
  const pairs: { p: number; d: number; v: number }[] = [];
  people.forEach((p, i) => boxes.forEach((b, j) => {
    const v = iou(b, p.box);
    if (v >= 0.5) pairs.push({ p: i, d: j, v });
  }));
  pairs.sort((a, b) => b.v - a.v);
  const byBox = new Map<number, number>();
  const usedP = new Set<number>();
  for (const x of pairs) {
    if (usedP.has(x.p) || byBox.has(x.d)) continue;
    usedP.add(x.p);
    byBox.set(x.d, people[x.p].id);
  }
  return byBox;
}
