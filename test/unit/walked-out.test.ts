import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutByBottom, withFeet } from '../../src/vision/cut-feet.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { Box, Detection } from '../../src/vision/types.js';
import { NO_TRAIL, followFeet, type FeetTrail } from '../../src/vision/walked-out.js';

/** An eye-level street camera (MOT17-09-like): heads rise as people come closer, height = 1.6 · row − 800. */
const EYE_LEVEL = { intercept: -800, slope: 1.6 };
/** An elevated camera (vtest.avi-like): height = 0.25 · row + 13. */
const ELEVATED = { intercept: 13, slope: 0.25 };
const H = 1080;

/**
 * The box of a person of the fitted height whose feet are at `feet`, centred on `cx`. A detector's box of a person
 * cut by the frame's edge ends up to ~2 % short of it (MOT17-09: rows 1055–1080 of 1080).
 */
function person(cx: number, feet: number, fit = EYE_LEVEL, frameHeight = H): Box {
  const height = fit.intercept + fit.slope * feet;
  const top = feet - height;
  return [cx - 0.19 * height, top, 0.38 * height, Math.min(frameHeight * 0.99, feet) - top];
}

/** Feeds boxes at 10 per second; returns the trail and the feet of the last one. */
function follow(boxes: Box[], fit = EYE_LEVEL, frameHeight = H): { trail: FeetTrail; feet: number | null } {
  let trail = NO_TRAIL;
  let feet: number | null = null;
  boxes.forEach((box, i) => {
    ({ trail, feet } = followFeet(trail, box, cutByBottom(box, frameHeight), i / 10, frameHeight, fit));
  });
  return { trail, feet };
}

test('a person seen walking down out through the bottom edge has feet below it, where the height model says "just inside"', () => {
  // Feet from row 900 down by 150 px/s; at row 1100 the box stops at the edge and its top puts the feet 20 px (2 % of
  // the height) below it: within the margin a loose box of someone walking along the edge needs.
  const boxes = Array.from({ length: 15 }, (_, i) => person(1200, 900 + 15 * i));
  const last = boxes[boxes.length - 1];
  assert.ok(cutByBottom(last, H));
  assert.deepEqual(withFeet(last, H, EYE_LEVEL), last);
  const { feet } = follow(boxes);
  assert.ok(feet !== null && feet > H, `feet ${feet}`);
});

test('people first seen at the edge, or standing at it, are left to the height model', () => {
  // Entering from below (the vtest.avi edge walker): never seen whole.
  assert.equal(follow([person(600, 1100), person(600, 1098), person(600, 1096)]).feet, null);
  // Standing just above the edge, then a box that reaches it.
  const standing = Array.from({ length: 10 }, () => person(600, 1040));
  assert.equal(follow([...standing, person(600, 1100)]).feet, null);
});

test('a person who walked out is back once the top of the box says the feet came up', () => {
  // Out down to row 1200, 1120 px tall.
  const down = Array.from({ length: 21 }, (_, i) => person(1200, 900 + 15 * i));
  assert.ok(follow(down).feet !== null);
  // Turning back: on this camera a top that goes down means feet going up. A few pixels are jitter; 100 px (9 %) up
  // from the farthest point is back, and the height model's rule decides again, as for anyone at the edge.
  const jitter = person(1200, 1200);
  jitter[1] += 10;
  assert.ok(follow([...down, jitter]).feet !== null);
  const back = follow([...down, person(1200, 1100)]);
  assert.equal(back.feet, null);
  assert.equal(back.trail.out, null);
});

test('on an elevated camera a walk back along the edge is told by the top rising', () => {
  // Walks down to the edge (feet 520 → 575 of 576), then along it, then back up: the top moves with the feet there.
  const down = Array.from({ length: 12 }, (_, i) => person(300, 520 + 5 * i, ELEVATED, 576));
  const along = Array.from({ length: 5 }, () => person(300, 590, ELEVATED, 576));
  const out = follow([...down, ...along], ELEVATED, 576);
  assert.ok(out.feet !== null && out.feet > 576);
  assert.equal(follow([...down, ...along, person(300, 560, ELEVATED, 576)], ELEVATED, 576).feet, null);
});

/** Still people teach the counter heights; a walker comes towards the camera, right to left, out through the edge. */
function crossings(lineX: number): number {
  const pc = new PeopleCounter([{ name: 'line', points: [lineX / 1920, 0, lineX / 1920, 1] }], { width: 1920, height: H });
  const still: Box[] = [620, 700, 800, 900].map((feet, i) => person(100 + i * 150, feet));
  let n = 0;
  for (let i = 0; i <= 20; i++) {
    const t = i / 10;
    // Crosses x = 960 at t = 1.47 s with the feet at row 1100, 2 % of the height below the edge.
    const walker = person(1400 - 300 * t, 950 + 102 * t);
    const dets: Detection[] = [...still, walker].map((box) => ({ box, score: 0.8, label: 'person' }));
    n += pc.detections(dets, i + 1, t).crossings.length;
  }
  return n;
}

test('the walker out through the bottom edge does not cross a line there, but does where it was still in the picture', () => {
  assert.equal(crossings(960), 0);
  // x = 1300 at t = 0.33 s, feet at row 984.
  assert.equal(crossings(1300), 1);
});
