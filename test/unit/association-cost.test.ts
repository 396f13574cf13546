import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPEARANCE_LENGTH } from '../../src/vision/appearance.js';
import { associationCost } from '../../src/vision/association-cost.js';
import { Track } from '../../src/vision/track.js';
import { DEFAULT_TRACKER_CONFIG } from '../../src/vision/tracker-config.js';
import type { Box, Detection } from '../../src/vision/types.js';

const c = DEFAULT_TRACKER_CONFIG;
/** A person 100 px tall whose box centre is at x. */
const person = (x: number, height = 100): Box => [x - 20, 400, 40, height];
const det = (box: Box, appearance?: Float32Array): Detection => ({ box, score: 0.9, label: 'person', appearance });

/** A track seen at x = 200, 210, …, one sighting every 0.1 s, `hits` times in all. */
function walker(hits: number): Track {
  const track = new Track(1, person(200), 0.9, 0, c.kalman, c.confirmHits);
  for (let i = 1; i < hits; i++) {
    track.filter.predict(0.1);
    track.match(person(200 + 10 * i), 0.9, i / 10);
  }
  return track;
}

test('association cost: rows are tracks, columns detections; nearer the prediction costs less', () => {
  const track = walker(10);
  track.filter.predict(0.1);
  const [row] = associationCost([track], [det(person(300)), det(person(320)), det(person(360))], c.gateChi2, 1, c);
  assert.equal(row.length, 3);
  assert.ok(row[0] < row[1] && row[1] < row[2], `costs ${row.join(', ')}`);
  assert.ok(row[0] < 0.5, 'a detection where the track was heading is well inside the gate');
});

test('association cost: a box half as tall again is someone else, however near', () => {
  const track = walker(10);
  track.filter.predict(0.1);
  const [row] = associationCost([track], [det(person(300, 160))], c.gateChi2, 1, c);
  assert.equal(row[0], Infinity);
});

test('association cost: a track seen once matches only within a brisk walk of its sighting', () => {
  const once = walker(1);
  once.filter.predict(1);
  // 0.5 + 1.5 × 1 s = 2 body heights (200 px) after a second.
  const [row] = associationCost([once], [det(person(390)), det(person(420))], c.gateChi2, 1, c);
  assert.ok(Number.isFinite(row[0]));
  assert.equal(row[1], Infinity);
});

test('association cost: with the appearance veto on, a track unseen for a while does not take other colours', () => {
  const bins = (k: number) => {
    const a = new Float32Array(APPEARANCE_LENGTH);
    a[k] = 1;
    a[APPEARANCE_LENGTH / 2 + k] = 1;
    return a;
  };
  const track = walker(10);
  track.see(bins(3), c.appearanceKeep);
  track.filter.predict(0.5);
  const veto = { ...c, appearanceVeto: 0.5 };
  const [row] = associationCost([track], [det(person(330), bins(3)), det(person(330), bins(40))], c.gateChi2, 1.4, veto);
  assert.ok(Number.isFinite(row[0]));
  assert.equal(row[1], Infinity);
  // Right after its last sighting the motion alone decides (a box that took in a neighbour changes colour).
  const [soon] = associationCost([track], [det(person(330), bins(40))], c.gateChi2, 0.9 + c.appearanceVetoAfter / 2, veto);
  assert.ok(Number.isFinite(soon[0]));
});
