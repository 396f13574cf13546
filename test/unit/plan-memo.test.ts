import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelBudget, planCrops, type DetectRegion, type PersonHeights } from '../../src/vision/crop-plan.js';
import { PlanMemo } from '../../src/vision/plan-memo.js';
import { options } from '../plan-options.js';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Heights as the worker hands them to the planner: a line of height against foot row, rounded to 2^(1/8) steps. */
function fitted(intercept: number, slope: number, frameHeight: number): PersonHeights {
  const step = (h: number) => 2 ** (Math.round(8 * Math.log2(Math.max(1, h))) / 8);
  const line = (y: number) => Math.max(0, intercept + slope * Math.min(frameHeight, Math.max(0, y)));
  return { low: (y) => step(line(y)), high: (y) => step(1.6 * line(y)) };
}

const FRAMES = [
  { width: 768, height: 576 },
  { width: 1920, height: 1080 },
  { width: 640, height: 360 },
];
const REGIONS: DetectRegion[] = [
  { kind: 'auto' },
  { kind: 'full' },
  { kind: 'rects', rects: [[0.1, 0.2, 0.5, 0.6]] },
];

test('the memo gives the plan planning gives, for random frames, lines, regions and drifting heights', () => {
  const rnd = random(7);
  let replayed = 0;
  let planned = 0;
  for (let scene = 0; scene < 24; scene++) {
    const frame = FRAMES[scene % FRAMES.length];
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, i) => ({
      name: `l${i}`,
      points: [rnd(), rnd(), rnd(), rnd()] as [number, number, number, number],
    }));
    const o = options(frame, lines, fitted(0, 0, 1), {
      region: REGIONS[scene % REGIONS.length],
      anchor: rnd() < 0.5 ? 'bottom' : 'center',
      detectionInterval: [0.04, 0.2, 0.4][scene % 3],
      maxInputPixels: pixelBudget(frame),
    });
    const memo = new PlanMemo(o);
    let intercept = frame.height * (0.02 + 0.1 * rnd());
    let slope = rnd() * 0.4;
    // A fit that moves a little each pass (most passes round to the same heights), and now and then jumps.
    for (let pass = 0; pass < 30; pass++) {
      const jump = rnd() < 0.1;
      intercept *= jump ? 0.6 + 0.8 * rnd() : 0.99 + 0.02 * rnd();
      slope *= jump ? 0.5 + rnd() : 0.99 + 0.02 * rnd();
      const heights = fitted(intercept, slope, frame.height);
      const got = memo.plan(heights);
      const want = planCrops({ ...o, heights });
      assert.deepStrictEqual(got.plan, want, `scene ${scene} pass ${pass}`);
      assert.equal(got.key, JSON.stringify(want));
    }
    replayed += memo.replayed;
    planned += memo.planned;
  }
  // Both paths ran: plans replayed from the memo and plans made anew.
  assert.ok(replayed > 100 && planned > 100, `replayed ${replayed}, planned ${planned}`);
});

test('a height the last planning asked for that changes makes a new plan; one it never asked for does not', () => {
  const frame = { width: 768, height: 576 };
  const line = { name: 'door', points: [0.4, 0.5, 0.6, 0.5] as [number, number, number, number] };
  const memo = new PlanMemo(options(frame, [line], { low: () => 0, high: () => 0 }));
  const asked: number[] = [];
  const base: PersonHeights = {
    low: (y) => (asked.push(y), 200),
    high: () => 300,
  };
  const first = memo.plan(base);
  assert.equal(memo.planned, 1);
  // Rows the planning never asked about (above the band) may differ: same plan, not planned again.
  const top = Math.min(...asked);
  const elsewhere: PersonHeights = { low: (y) => (y < top ? 10 : 200), high: () => 300 };
  assert.equal(memo.plan(elsewhere), first);
  assert.equal(memo.planned, 1);
  // The smaller people at a row it asked about: planned again, and the scale follows.
  const smaller: PersonHeights = { low: (y) => (y === top ? 100 : 200), high: () => 300 };
  const second = memo.plan(smaller);
  assert.equal(memo.planned, 2);
  assert.deepStrictEqual(second.plan, planCrops(options(frame, [line], smaller)));
  assert.notEqual(second.key, first.key);
});
