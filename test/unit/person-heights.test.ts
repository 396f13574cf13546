import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveCrops, LEARN_SCORE, MIN_PASSES_BETWEEN_CHANGES } from '../../src/vision/adaptive-crops.js';
import { PersonHeightModel } from '../../src/vision/person-heights.js';
import type { MergedDetection } from '../../src/vision/tile-merge.js';
import type { Box } from '../../src/vision/types.js';
import { options } from '../plan-options.js';
import { rng } from '../synthetic-walk.js';

const FRAME = { width: 1920, height: 1080 };

/** A person with feet at row y on a ground plane where height = 0.4·(y − 200) (horizon at row 200). */
function person(x: number, y: number, noise = 0): Box {
  const h = 0.4 * (y - 200) * (1 + noise);
  return [x - 0.2 * h, y - h, 0.4 * h, h];
}

test('the prior holds until enough people were seen, then the fit predicts heights by foot row', () => {
  const m = new PersonHeightModel(FRAME, { minObservations: 12 });
  const prior = m.heights();
  assert.equal(prior.low(500), 0.07 * 1080);
  assert.equal(prior.high(500), 0.35 * 1080);
  const random = rng(3);
  for (let i = 0; i < 11; i++) m.observe(person(300 + i * 50, 500 + i * 40, (random() - 0.5) * 0.1));
  assert.equal(m.fit(), null, 'eleven are not enough');
  for (let i = 0; i < 60; i++) m.observe(person(300 + i * 20, 500 + (i % 12) * 40, (random() - 0.5) * 0.1));
  const fit = m.fit()!;
  assert.ok(Math.abs(fit.slope - 0.4) < 0.05, `slope ${fit.slope}`);
  const h = m.heights();
  for (const y of [500, 700, 900]) {
    const truth = 0.4 * (y - 200);
    assert.ok(h.low(y) < truth && truth < h.high(y), `row ${y}: ${h.low(y).toFixed(0)} < ${truth} < ${h.high(y).toFixed(0)}`);
    assert.ok(h.low(y) > 0.85 * truth && h.high(y) < 1.15 * truth, `row ${y}: the spread follows the noise`);
  }
});

test('boxes around two people and other outliers do not bend the fit', () => {
  const m = new PersonHeightModel(FRAME);
  for (let i = 0; i < 80; i++) m.observe(person(400, 500 + (i % 10) * 50));
  for (let i = 0; i < 10; i++) m.observe([400, 100, 300, 700]);
  const fit = m.fit()!;
  assert.ok(Math.abs(fit.slope - 0.4) < 0.02 && Math.abs(fit.intercept + 80) < 10, `fit ${fit.slope}, ${fit.intercept}`);
});

test('people all seen at one row give a constant; nobody above the horizon; extrapolation stays near the heights seen', () => {
  const m = new PersonHeightModel(FRAME);
  for (let i = 0; i < 30; i++) m.observe(person(100 + i * 30, 700 + (i % 3)));
  assert.equal(m.fit()!.slope, 0);
  const wide = new PersonHeightModel(FRAME);
  for (let i = 0; i < 40; i++) wide.observe(person(300, 600 + (i % 8) * 25));
  const h = wide.heights();
  // Heights here are 0.4·(y − 200): a person at row 230 would be 12 px, smaller than anyone can be found.
  assert.equal(h.low(230), 0, 'above the horizon');
  assert.equal(h.high(100), 0);
  const smallest = 0.4 * 400;
  assert.ok(h.low(300) >= 0.7 * smallest - 1e-9, `at row 300 ${h.low(300)} ≥ ${0.7 * smallest}`);
  assert.ok(h.high(5000) <= (0.4 * (775 - 200)) / 0.7 + 1e-9, 'below the frame');
});

test('adaptive crops: learned from confident whole people only, and the plan follows what is learned', () => {
  const lines = [{ name: 'v', points: [0.5, 0, 0.5, 1] as [number, number, number, number] }];
  const { heights: _prior, ...planOptions } = options(FRAME, lines, { low: () => 0, high: () => 0 });
  const crops = new AdaptiveCrops(planOptions);
  const first = crops.plan;
  assert.equal(crops.fromObservations, false);
  // Big people (about 300 px): the plan, made for the prior's 76 px people, must become coarser.
  const pass = (score: number, whole: boolean): MergedDetection[] =>
    [700, 800, 900, 1000].map((y, i) => ({ box: person(900 + i * 10, y), score, label: 'person', whole }));
  for (let i = 0; i < 10; i++) assert.equal(crops.update(pass(LEARN_SCORE - 0.1, true)), null, 'unsure boxes teach nothing');
  for (let i = 0; i < 10; i++) assert.equal(crops.update(pass(0.9, false)), null, 'cut boxes teach nothing');
  let changed = null;
  for (let i = 0; i < 5 && !changed; i++) changed = crops.update(pass(0.9, true));
  assert.ok(changed, 'a learned plan');
  assert.equal(crops.fromObservations, true);
  // Where those people walk (feet at row 900, 280 px tall) the scale now brings them to about the target height.
  const scale = (p: typeof first) => Math.min(...p.tiles.filter((t) => t.y <= 900 && t.y + t.h >= 900).map((t) => t.scaledHeight / t.h));
  assert.ok(scale(changed) < scale(first) / 2, `scale ${scale(changed)} vs ${scale(first)}`);
  assert.ok(scale(changed) * 280 > 50 && scale(changed) * 280 < 100, `people of 280 px become ${scale(changed) * 280} px`);
  // The same people again: the plan stays.
  for (let i = 0; i < 10; i++) assert.equal(crops.update(pass(0.9, true)), null);
  const passesSinceChange = 10;
  // Then only people half as tall: the plan follows, but not sooner than MIN_PASSES_BETWEEN_CHANGES passes after the
  // last change, so heights wavering near a step boundary cannot make it flap.
  const small = (): MergedDetection[] => [700, 800, 900, 1000].map((y, i) => ({ box: person(900 + i * 10, y, -0.5), score: 0.9, label: 'person', whole: true }));
  let changedAt = -1;
  for (let i = 0; i < 2 * MIN_PASSES_BETWEEN_CHANGES && changedAt < 0; i++) if (crops.update(small())) changedAt = i;
  assert.ok(changedAt >= 0, 'the plan follows the new heights');
  const after = passesSinceChange + changedAt + 1;
  assert.ok(after >= MIN_PASSES_BETWEEN_CHANGES, `changed ${after} passes after the last change`);
  // Once heights are known, a whole box far smaller than people at its row is not a person; a cut one may be.
  const tiny = (whole: boolean): MergedDetection => ({ box: [900, 850, 20, 60], score: 0.9, label: 'person', whole });
  assert.deepEqual(crops.plausible([tiny(true), tiny(false), ...pass(0.9, true)]).length, 5);
  // New lines are planned at once with what is known.
  const moved = crops.setLines([{ name: 'h', points: [0, 0.8, 1, 0.8] }]);
  assert.ok(moved.regions.every((r) => r.w > r.h), 'a band along the horizontal line');
});
