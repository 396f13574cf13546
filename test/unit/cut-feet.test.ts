import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutByBottom, withFeet } from '../../src/vision/cut-feet.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { Box, Detection } from '../../src/vision/types.js';

/** An eye-level street camera (MOT17-09-like): heads rise as people come closer, height = 1.6 · row − 800. */
const EYE_LEVEL = { intercept: -800, slope: 1.6 };
/** An elevated camera (vtest.avi-like): height = 0.25 · row + 13. */
const ELEVATED = { intercept: 13, slope: 0.25 };

test('a box cut by the bottom edge gets its feet where the height model puts them, below the frame', () => {
  // Top at row 20: a person of height 1.6·y − 800 with y − height = 20 stands at y = 1300.
  const box: Box = [700, 20, 400, 1060];
  assert.ok(cutByBottom(box, 1080));
  const placed = withFeet(box, 1080, EYE_LEVEL);
  assert.ok(Math.abs(placed[1] + placed[3] - 1300) < 1e-6);
  assert.deepEqual(placed.slice(0, 3), box.slice(0, 3));
});

test('boxes clear of the bottom edge, fits near slope 1 and a missing fit leave the box alone', () => {
  const whole: Box = [700, 200, 300, 800];
  assert.ok(!cutByBottom(whole, 1080));
  assert.deepEqual(withFeet(whole, 1080, EYE_LEVEL), whole);
  // The head in the picture: a box cut by the top edge too has its feet placed even without a model (further down).
  const cut: Box = [700, 60, 400, 1020];
  assert.deepEqual(withFeet(cut, 1080, null), cut);
  // Heads on one row whatever the distance: the top says nothing about where the feet are.
  assert.deepEqual(withFeet(cut, 1080, { intercept: -50, slope: 1.05 }), cut);
});

test('a loose box of a person walking along the bottom edge keeps its feet in the picture', () => {
  // vtest.avi: annotated feet at row 560, detector box down to the edge (576) and its top 11 px low. The model puts
  // the feet at row 587, 11 px (7 % of the height) below the edge: within a detector box's looseness.
  const box: Box = [521, 429, 81, 147];
  assert.ok(cutByBottom(box, 576));
  assert.deepEqual(withFeet(box, 576, ELEVATED), box);
});

/**
 * Detections of a scene: `still` people (never near the line, feet on rows `stillFeet`) teach heights by `fit`;
 * `walker` crosses x = 960 in 2 s.
 */
function scene(
  walker: (t: number) => Box,
  fit = EYE_LEVEL,
  stillFeet = [620, 700, 800, 900],
): { crossings: number; counts: { in: number; out: number } } {
  // Without the still people there is no height model, and the cut box's bottom (the edge) would be its feet.
  const pc = new PeopleCounter([{ name: 'mid', points: [0.5, 0, 0.5, 1] }], { width: 1920, height: 1080 });
  const still: Box[] = stillFeet.map((feet, i) => {
    const h = fit.intercept + fit.slope * feet;
    return [100 + i * 150, feet - h, h * 0.38, h];
  });
  let crossings = 0;
  const fps = 10;
  for (let i = 0; i < 40; i++) {
    const t = i / fps;
    const dets: Detection[] = [...still, walker(t)].map((box) => ({ box, score: 0.8, label: 'person' }));
    crossings += pc.detections(dets, i + 1, t).crossings.length;
  }
  return { crossings, counts: pc.summary() };
}

test('a person whose feet are below the picture does not cross a line drawn in it; one whose feet are in it does', () => {
  // Walks left to right across x = 960 between t = 0 and 4 s (the mid line is crossed at t = 2 s).
  const x = (t: number, w: number) => 760 + 100 * t - w / 2;
  // Feet at row 1300: the box is cut at the bottom edge (top at row 20).
  const below = scene((t) => [x(t, 400), 20, 400, 1060]);
  assert.equal(below.crossings, 0);
  // Feet at row 1000 (height 800): inside the picture, counted once.
  const inside = scene((t) => [x(t, 300), 200, 300, 800]);
  assert.equal(inside.crossings, 1);
  assert.equal(inside.counts.out, 1);
});

/**
 * A street camera whose height model was learned from people seen whole, farther away (zoomed MOT17-09's fit): it
 * puts the feet of someone whose box reaches the top edge only ~50 px below the bottom edge, within the margin.
 */
const STEEP = { intercept: -1530, slope: 2.35 };
/** Feet rows of people seen whole on that camera (heights 230–760 px). */
const STEEP_FEET = [750, 825, 900, 975];

test('a box cut by both the top and the bottom edge has its feet below the picture, whatever the height model says', () => {
  // Top at row 10: the model's feet (row 1126) are within the margin below the edge, so a box with its head in the
  // picture would keep the edge as its feet; this person's head is above the picture, the feet below it.
  const both: Box = [700, 10, 420, 1065];
  for (const fit of [STEEP, EYE_LEVEL, ELEVATED, null]) {
    const placed = withFeet(both, 1080, fit);
    assert.ok(placed[1] + placed[3] > 1080, `feet at ${placed[1] + placed[3]} with ${JSON.stringify(fit)}`);
    assert.deepEqual(placed.slice(0, 3), both.slice(0, 3));
  }
  // The same person 40 px lower, the head in the picture: the height model decides, and keeps the box.
  const headIn: Box = [700, 40, 420, 1035];
  assert.deepEqual(withFeet(headIn, 1080, STEEP), headIn);
});

test('a person taller than the picture walking across a line does not cross it', () => {
  const x = (t: number, w: number) => 760 + 100 * t - w / 2;
  const tall = scene((t) => [x(t, 420), 5, 420, 1072], STEEP, STEEP_FEET);
  assert.equal(tall.crossings, 0);
  // With the head in the picture and the same fit, the box's bottom stands for the feet, as it must for someone
  // walking along the edge: counted.
  const headIn = scene((t) => [x(t, 420), 60, 420, 1015], STEEP, STEEP_FEET);
  assert.equal(headIn.crossings, 1);
});
