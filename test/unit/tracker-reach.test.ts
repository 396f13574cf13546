import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracker } from '../../src/vision/tracker.js';
import { DEFAULT_TRACKER_CONFIG } from '../../src/vision/tracker-config.js';
import { withinReach } from '../../src/vision/tracker-long-lost.js';
import type { Sighting } from '../../src/vision/track.js';
import type { Box, Detection } from '../../src/vision/types.js';

const gate = DEFAULT_TRACKER_CONFIG.relink;
const maxLog = DEFAULT_TRACKER_CONFIG.maxLogHeightRatio;
const FRAME = { width: 1920, height: 1080 };
/** A person 100 px tall whose box centre is at x. */
const person = (x: number): Box => [x - 20, 400, 40, 100];
const det = (x: number): Detection => ({ box: person(x), score: 0.9, label: 'person' });

test('within reach: a brisk walk from where the person was seen, plus jitter, at about the same height', () => {
  const seen: Sighting = { box: person(500), velocity: [0, 0], t: 10 };
  // 0.5 + 1.5 × 1 s = 2 body heights (200 px) after a second, in any direction.
  assert.equal(withinReach(seen, person(690), 11, gate, maxLog), true);
  assert.equal(withinReach(seen, person(310), 11, gate, maxLog), true);
  assert.equal(withinReach(seen, person(710), 11, gate, maxLog), false);
  // Half as tall again is someone else, however near.
  assert.equal(withinReach(seen, [480, 350, 60, 160], 11, gate, maxLog), false);
});

/** A track learnt walking right at 2.5 body heights per second (as one fed another person's boxes may), then unseen. */
function lostFastTrack(): { tracker: Tracker; id: number } {
  const tracker = new Tracker({}, FRAME);
  for (let f = 0; f < 10; f++) tracker.update([det(200 + 25 * f)], f / 10);
  for (let f = 10; f < 20; f++) tracker.update([], f / 10);
  const [track] = tracker.predict(1.95).tracks;
  assert.equal(track.state, 'lost');
  return { tracker, id: track.id };
}

test('a lost track is not re-found beyond walking reach of where it was last seen, even where its velocity leads', () => {
  // Last seen at x = 425 at 0.9 s: at 2 s the prediction is about 700, out of reach (0.5 + 1.5 × 1.1 = 2.15 heights).
  const { tracker, id } = lostFastTrack();
  const out = tracker.update([det(700)], 2);
  const old = out.tracks.find((t) => t.id === id);
  assert.equal(old?.matched, false, 'the lost track took a box out of reach');
  assert.ok(out.tracks.some((t) => t.id !== id && t.matched), 'the box starts a track of its own');
});

test('a lost track is still re-found within walking reach', () => {
  const { tracker, id } = lostFastTrack();
  const out = tracker.update([det(600)], 2);
  assert.equal(out.tracks.find((t) => t.id === id)?.matched, true);
});

test('a track seen once takes no box beyond walking reach at the next detection pass, however wide its gate', () => {
  // 0.7 s between passes (--skip-frames 5 at 7 fps): reach is 0.5 + 1.5 × 0.7 = 1.55 heights, while the gate of a
  // track without a velocity yet spans about 2.2 heights there.
  const far = new Tracker({}, FRAME);
  far.update([det(500)], 0);
  const out = far.update([det(680)], 0.7);
  assert.equal(out.tracks.length, 2, 'the box out of reach was taken by the track seen once');
  assert.ok(out.tracks.every((t) => t.hits === 1));

  const near = new Tracker({}, FRAME);
  near.update([det(500)], 0);
  const step = near.update([det(620)], 0.7);
  assert.deepEqual(step.tracks.map((t) => [t.hits, t.state]), [[2, 'confirmed']]);
});
