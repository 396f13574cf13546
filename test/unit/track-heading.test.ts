import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObservedPath, type HeadingCost } from '../../src/vision/track-heading.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { Box, LineSpec } from '../../src/vision/types.js';
import { detect, rng, type Walker } from '../synthetic-walk.js';

const CUE: HeadingCost = { weight: 0.6, span: 0.8, minStep: 0.1, shrink: 0.2 };
/** A 100 px tall person whose box centre is at (x, y). */
const at = (x: number, y = 500): Box => [x - 20, y - 50, 40, 100];

/** Walked right at 100 px (one body height) per second, observed at 2.5 fps from x = 100 to 300. */
function walkedRight(): ObservedPath {
  const path = new ObservedPath();
  for (let i = 0; i <= 5; i++) path.add(at(100 + 40 * i), i * 0.4);
  return path;
}

test('a candidate on the way the path leads costs nothing, one straight back the whole weight, one aside half', () => {
  const path = walkedRight();
  assert.equal(path.turnCost(at(350), CUE), 0);
  assert.ok(Math.abs(path.turnCost(at(250), CUE) - 0.6) < 1e-9);
  assert.ok(Math.abs(path.turnCost(at(300, 550), CUE) - 0.3) < 1e-9);
});

test('steps shorter than box jitter have no direction: a candidate next to the last sighting, or a path standing still', () => {
  assert.equal(walkedRight().turnCost(at(295), CUE), 0, 'a step of 0.05 body heights back');
  const standing = new ObservedPath();
  for (let i = 0; i <= 5; i++) standing.add(at(200 + (i % 2) * 4), i * 0.4);
  assert.equal(standing.turnCost(at(100), CUE), 0);
  const once = new ObservedPath();
  once.add(at(200), 0);
  assert.equal(once.turnCost(at(100), CUE), 0, 'one sighting has no heading');
});

test('the heading spans the observations of the last `span` seconds, so one jittery step does not turn it', () => {
  const path = walkedRight();
  // The last sighting slipped 0.15 body heights back (a box that took in someone behind); the path still leads right.
  path.add(at(285), 2.4);
  assert.equal(path.turnCost(at(330), CUE), 0);
  assert.ok(path.turnCost(at(240), CUE) > 0.5);
});

test('a box that lost its top to someone in front is no turn; one that grew at the top is', () => {
  // Walking right; the next box has the feet a little further on (x 310, bottom 550) but is a third shorter (its top
  // hidden): its centre drops by a sixth of a body height, which is the box, not the person.
  const path = walkedRight();
  const shrunk: Box = [290, 483, 40, 67];
  assert.equal(path.turnCost(shrunk, CUE), 0);
  assert.ok(path.turnCost(shrunk, { ...CUE, shrink: 10 }) > 0.1, 'taken at its centre, the same box turns away');
  // A box that grew upwards by 40 % has taken in someone else: its centre step counts as it is.
  const grown: Box = [290, 410, 40, 140];
  assert.ok(path.turnCost(grown, CUE) > 0.1);
});

test('weight 0 turns the cue off', () => {
  assert.equal(walkedRight().turnCost(at(200), { ...CUE, weight: 0 }), 0);
});

test('7.5 fps: a track handed from someone walking left to someone walking right does not take the person walking in behind', () => {
  // The track follows L walking left; where L is last seen, R appears walking right and the track continues R (one
  // identity for two people: nothing tells them apart), its velocity still lagging from L's walk. R is hidden for
  // 0.4 s before the line; S, 0.4 body heights behind where R was last seen, comes into view. The lagging prediction
  // sits on S, but S is behind the way the track's own sightings lead: S gets a track of their own, the track waits
  // for R beyond the line, and both R and S are counted.
  const fps = 7.5;
  const frame = { width: 1920, height: 1080 };
  const line: LineSpec = { name: 'mid', points: [0.5, 0, 0.5, 1] };
  const h = 300;
  const v = 300;
  const L: Walker = { start: [1200, 800], velocity: [-v, 0], height: h, visible: (t) => t < 2 };
  const R: Walker = { start: [600 - 2 * v, 800], velocity: [v, 0], height: h, visible: (t) => t >= 2 && !(t >= 2.8 && t < 3.2) };
  const S: Walker = { start: [600 + 0.8 * v - 0.4 * h - 3 * v, 800], velocity: [v, 0], height: h, visible: (t) => t >= 3 };
  const counts = (weight: number) => {
    const pc = new PeopleCounter([line], frame, { tracker: { heading: { ...CUE, weight } } });
    const random = rng(1);
    for (let f = 0; f < 7 * fps; f++) pc.detections(detect([L, R, S], f / fps, random), f + 1, f / fps);
    return pc.summary();
  };
  assert.deepEqual(counts(CUE.weight), { in: 1, out: 2, occupancy: -1 });
  // Without the cue the track takes S and R's crossing is lost: what this test guards against.
  assert.deepEqual(counts(0), { in: 1, out: 1, occupancy: 0 });
});
