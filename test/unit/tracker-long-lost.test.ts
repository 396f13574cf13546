import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRACKER_CONFIG } from '../../src/vision/tracker-config.js';
import { LongLostBuffer, relinkMiss, type RelinkGate } from '../../src/vision/tracker-long-lost.js';
import { Track, type Sighting } from '../../src/vision/track.js';

const gate = DEFAULT_TRACKER_CONFIG.relink;
const plausibleRelink = (before: Sighting, after: Sighting, g: RelinkGate) => relinkMiss(before, after, g) !== null;
/** Last seen walking right at 100 px/s (half a body height per second), 200 px tall. */
const before: Sighting = { box: [1000, 400, 80, 200], velocity: [100, 0], t: 10 };
const at = (dx: number, dy: number, gap: number, h = 200): Sighting => ({
  box: [1000 + dx, 400 + dy + 200 - h, 80, h],
  velocity: [0, 0],
  t: 10 + gap,
});

test('a person seen again where their walk leads is a plausible link, at any gap the buffer keeps', () => {
  for (const gap of [2, 4, 6]) assert.ok(plausibleRelink(before, at(100 * gap, 0, gap), gate), `gap ${gap} s`);
});

test('the link gate is bounded by walking, not widening like a prediction left unobserved', () => {
  // Three body heights sideways of the path after 3 s, or far ahead at a run, is someone else.
  assert.equal(plausibleRelink(before, at(300, 600, 3), gate), false);
  assert.equal(plausibleRelink(before, at(1800, 0, 3), gate), false);
  // Back where they came from: turned round, not the one who went on across.
  assert.equal(plausibleRelink(before, at(-400, 0, 3), gate), false);
});

test('a very different height, or a sighting from before the track was lost, is never a link', () => {
  assert.equal(plausibleRelink(before, at(300, 0, 3, 300), gate), false);
  assert.equal(plausibleRelink(before, at(0, 0, 0), gate), false);
  assert.equal(plausibleRelink(before, at(-50, 0, -1), gate), false);
});

test('of two lost people who could both be the one seen again, the one whose walk leads there is taken, not a guess', () => {
  const noise = DEFAULT_TRACKER_CONFIG.kalman;
  const lostAt = (x: number): Track => {
    const track = new Track(1, [x, 400, 80, 200], 0.9, 9, noise, 2);
    track.lastSighting = { box: [x, 400, 80, 200], velocity: [100, 0], t: 10 };
    return track;
  };
  const seenAgain = new Track(9, [1310, 400, 80, 200], 0.9, 13, noise, 2);
  // Walking at 100 px/s, the one last seen at x 1000 is 10 px from where this walk leads after 3 s; the one at 650
  // 1.8 body heights off its path, where the gate allows 2.75.
  const leads = lostAt(1000);
  const buffer = new LongLostBuffer(gate);
  buffer.add(lostAt(650));
  buffer.add(leads);
  assert.equal(buffer.claim(seenAgain, [], []), leads);
  // Two that fit about as well: no link.
  const even = new LongLostBuffer(gate);
  even.add(lostAt(880));
  even.add(lostAt(1120));
  assert.equal(even.claim(seenAgain, [], []), null);
});
