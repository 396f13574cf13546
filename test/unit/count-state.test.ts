import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveCrops } from '../../src/vision/adaptive-crops.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { MergedDetection } from '../../src/vision/tile-merge.js';
import type { Box, Detection, LineSpec } from '../../src/vision/types.js';
import { options } from '../plan-options.js';
import { detect, rng, type Walker } from '../synthetic-walk.js';

/**
 * A checkpoint's state must make a restored counter and crop planner behave exactly as the uninterrupted ones: the
 * same tracks, crossings and plans for the same input from the cut on. The state goes through JSON, as it does
 * between the worker, the store and the resumed worker.
 */
const roundTrip = <T>(data: T): T => JSON.parse(JSON.stringify(data)) as T;

const FRAME = { width: 640, height: 480 };
const FPS = 10;
const SKIP = 3;
const lines: LineSpec[] = [
  { name: 'v', points: [0.5, 0, 0.5, 1] },
  { name: 'h', points: [0, 0.6, 1, 0.6] },
];

/** People crossing both lines both ways, some hidden for a while (long-lost, relinked), some leaving at the bottom. */
function walkers(): Walker[] {
  const random = rng(11);
  const out: Walker[] = [];
  for (let i = 0; i < 14; i++) {
    const right = i % 2 === 0;
    const appear = i * 1.3;
    const vx = right ? 60 : -60;
    const vy = (random() - 0.5) * 20 + (i % 4 === 1 ? 25 : i % 4 === 3 ? -25 : 0);
    // Where they are when they appear: at the left or right edge, feet somewhere between rows 200 and 400.
    const start: [number, number] = [(right ? -30 : 670) - vx * appear, 200 + random() * 200 - vy * appear];
    const hidden = i % 3 === 0 ? [appear + 4, appear + 5.2] : null;
    out.push({
      start,
      velocity: [vx, vy],
      height: 90 + random() * 60,
      visible: (t) => t >= appear && t <= appear + 12 && !(hidden && t > hidden[0] && t < hidden[1]),
    });
  }
  return out;
}

type Step = { crossings: unknown; tracks: unknown };

function stepsOf(counter: PeopleCounter, from: number, to: number): Step[] {
  const people = walkers();
  const steps: Step[] = [];
  for (let frame = from; frame <= to; frame++) {
    const t = (frame - 1) / FPS;
    // The same detections whatever frame the run started from: jitter seeded by the frame.
    const found: Detection[] = detect(people, t, rng(frame * 7919));
    const step = (frame - 1) % SKIP === 0 ? counter.detections(found, frame, t) : counter.predict(t);
    steps.push({ crossings: step.crossings, tracks: step.tracks });
  }
  return steps;
}

test('people counter: restored from the data of frame N, it counts and tracks from N + 1 exactly as the uninterrupted one', () => {
  const LAST = 260;
  const whole = stepsOf(new PeopleCounter(lines, FRAME), 1, LAST);
  const crossings = whole.flatMap((s) => s.crossings as unknown[]);
  assert.ok(crossings.length >= 12, `the scene crosses lines (${crossings.length} crossings)`);
  for (const cut of [31, 64, 95, 130, 161, 200]) {
    const before = new PeopleCounter(lines, FRAME);
    stepsOf(before, 1, cut);
    const data = roundTrip(before.toData());
    assert.ok(data.tracker.tracks.length > 0, `people on screen at frame ${cut}`);
    const resumed = new PeopleCounter(lines, FRAME);
    resumed.loadData(data);
    assert.deepEqual(resumed.counts(), before.counts(), `totals at ${cut}`);
    assert.deepEqual(stepsOf(resumed, cut + 1, LAST), whole.slice(cut), `every step after ${cut}`);
    // A counter started cold at the cut does not: the state is what makes the difference.
    assert.notDeepEqual(stepsOf(new PeopleCounter(lines, FRAME), cut + 1, LAST), whole.slice(cut), `cold start at ${cut}`);
  }
});

test('people counter data is plain: arrays, numbers and strings that JSON keeps as they are', () => {
  const counter = new PeopleCounter(lines, FRAME);
  stepsOf(counter, 1, 90);
  const data = counter.toData();
  assert.deepEqual(roundTrip(data), data);
});

/** A person on a ground plane where height = 0.4·(y − 100) (horizon at row 100), scaled by `size`. */
function person(x: number, y: number, size: number): Box {
  const h = 0.4 * (y - 100) * size;
  return [x - 0.2 * h, y - h, 0.4 * h, h];
}

/** Detection passes whose people grow, then shrink: the plan changes several times, at times set by its history. */
function pass(i: number): MergedDetection[] {
  const random = rng(i + 1);
  const size = i < 60 ? 1 : i < 140 ? 1.6 : 0.7;
  return [0, 1, 2, 3].map((k) => ({ box: person(100 + 120 * k + random() * 20, 200 + 60 * k + random() * 40, size * (0.95 + random() * 0.1)), score: 0.9, label: 'person', whole: true }));
}

function plansOf(crops: AdaptiveCrops, from: number, to: number): { changed: string | null; plan: string }[] {
  const out = [];
  for (let i = from; i < to; i++) {
    const changed = crops.update(pass(i));
    out.push({ changed: changed && JSON.stringify(changed), plan: JSON.stringify(crops.plan) });
  }
  return out;
}

test('adaptive crops: restored from the data of pass N, the plans from N on are the uninterrupted ones (when they change too)', () => {
  const { heights: _prior, ...o } = options(FRAME, lines, { low: () => 0, high: () => 0 });
  const LAST = 260;
  const whole = plansOf(new AdaptiveCrops(o), 0, LAST);
  assert.ok(whole.filter((p) => p.changed).length >= 3, 'the plan changes several times');
  for (const cut of [20, 75, 150, 190]) {
    const before = new AdaptiveCrops(o);
    plansOf(before, 0, cut);
    const resumed = new AdaptiveCrops(o);
    assert.equal(resumed.loadData(roundTrip(before.toData())), true);
    assert.equal(JSON.stringify(resumed.plan), JSON.stringify(before.plan));
    assert.deepEqual(plansOf(resumed, cut, LAST), whole.slice(cut), `every plan from pass ${cut}`);
  }
  // The heights alone (what a warm-up relearns) do not give the same plans: the history of changes matters.
  const cold = new AdaptiveCrops(o);
  assert.notDeepEqual(plansOf(cold, 150, LAST), whole.slice(150));
});

test('adaptive crops: data planned with other options gives its heights only, and a plan made from them', () => {
  const { heights: _prior, ...o } = options(FRAME, lines, { low: () => 0, high: () => 0 });
  const before = new AdaptiveCrops(o);
  plansOf(before, 0, 100);
  const other = new AdaptiveCrops({ ...o, lines: [lines[0]] });
  assert.equal(other.loadData(roundTrip(before.toData())), false);
  assert.equal(other.fromObservations, true);
  const learned = new AdaptiveCrops({ ...o, lines: [lines[0]] });
  learned.model.loadData(before.model.toData());
  assert.equal(JSON.stringify(other.plan), JSON.stringify(learned.setLines([lines[0]])), 'planned from the heights learned');
  assert.notEqual(JSON.stringify(other.plan), JSON.stringify(new AdaptiveCrops({ ...o, lines: [lines[0]] }).plan), 'not from the prior');
});
