import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxScaleFor, pixelBudget, planCrops, planCost, type CropPlan, type PersonHeights, type Tile } from '../../src/vision/crop-plan.js';
import { bandHeights } from '../../src/vision/crop-regions.js';
import type { LineSpec } from '../../src/vision/types.js';
import { options } from '../plan-options.js';

const constant = (low: number, high = low * 1.5): PersonHeights => ({ low: () => low, high: () => high });
/** People grow towards the bottom of the frame, as seen by a camera above a flat ground. */
const perspective = (atTop: number, atBottom: number, height: number): PersonHeights => {
  const h = (y: number) => atTop + ((atBottom - atTop) * Math.min(height, Math.max(0, y))) / height;
  return { low: h, high: (y) => 1.4 * h(y) };
};

const VERTICAL: LineSpec = { name: 'v', points: [0.5, 0, 0.5, 1] };
const HORIZONTAL: LineSpec = { name: 'h', points: [0, 0.6, 1, 0.6] };
const DIAGONAL: LineSpec = { name: 'd', points: [0, 0, 1, 1] };
const DOOR: LineSpec = { name: 'door', points: [0.4, 0.85, 0.6, 0.85] };

const FRAMES = [
  { width: 768, height: 576 },
  { width: 1920, height: 1080 },
  { width: 640, height: 480 },
  { width: 1080, height: 1920 },
];

function inside(t: { x: number; y: number; w: number; h: number }, f: { width: number; height: number }): boolean {
  return t.x >= 0 && t.y >= 0 && t.x + t.w <= f.width && t.y + t.h <= f.height && t.w > 0 && t.h > 0;
}

/** Frame points whose pixels the plan's tiles look at (a coarse grid), to check coverage. */
function covered(plan: CropPlan, x: number, y: number): Tile | undefined {
  return plan.tiles.find((t) => x >= t.x && x <= t.x + t.w && y >= t.y && y <= t.y + t.h);
}

test('every tile lies inside the frame, with inputs in multiples of the stride no larger than the largest input', () => {
  for (const frame of FRAMES) {
    for (const lines of [[VERTICAL], [HORIZONTAL], [DIAGONAL], [DOOR], [VERTICAL, HORIZONTAL, DIAGONAL]]) {
      for (const heights of [constant(frame.height / 12), constant(frame.height / 4), perspective(frame.height / 30, frame.height / 4, frame.height)]) {
        const plan = planCrops(options(frame, lines, heights));
        assert.ok(plan.tiles.length > 0, 'some tiles');
        for (const r of [...plan.regions, ...plan.tiles]) assert.ok(inside(r, frame), `${JSON.stringify(r)} inside ${frame.width}x${frame.height}`);
        for (const t of plan.tiles) {
          assert.equal(t.inputWidth % 32, 0, JSON.stringify(t));
          assert.equal(t.inputHeight % 32, 0, JSON.stringify(t));
          assert.ok(t.inputWidth <= 640 && t.inputHeight <= 640, JSON.stringify(t));
          assert.ok(t.scaledWidth <= t.inputWidth && t.scaledHeight <= t.inputHeight, JSON.stringify(t));
        }
      }
    }
  }
});

test('the tiles cover the band around each line: every point near the line, and the people standing there', () => {
  for (const frame of FRAMES) {
    const h = frame.height / 8;
    for (const line of [VERTICAL, HORIZONTAL, DIAGONAL, DOOR]) {
      const plan = planCrops(options(frame, [line], constant(h, h)));
      // At least a body height and a half on each side, whatever the detection interval.
      const reach = 1.5 * h;
      const [x1, y1, x2, y2] = line.points;
      const a = { x: x1 * frame.width, y: y1 * frame.height };
      const b = { x: x2 * frame.width, y: y2 * frame.height };
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      const n = { x: -(b.y - a.y) / len, y: (b.x - a.x) / len };
      for (let t = 0; t <= 1; t += 0.05) {
        for (const off of [-reach * 0.95, -reach / 2, 0, reach / 2, reach * 0.95]) {
          const fx = a.x + t * (b.x - a.x) + off * n.x;
          const fy = a.y + t * (b.y - a.y) + off * n.y;
          if (fx < 0 || fy < 0 || fx > frame.width || fy > frame.height) continue;
          // The feet, and the head one person higher (clipped to the frame), are looked at.
          assert.ok(covered(plan, fx, fy), `feet at ${fx.toFixed(0)},${fy.toFixed(0)} near ${line.name} in ${frame.width}x${frame.height}`);
          assert.ok(covered(plan, fx, Math.max(0, fy - h)), `head above ${fx.toFixed(0)},${fy.toFixed(0)} near ${line.name}`);
        }
      }
    }
  }
});

test('the scale brings the smaller people to the target height, within the scale bounds', () => {
  const frame = { width: 1920, height: 1080 };
  const plan = planCrops(options(frame, [VERTICAL], constant(128)));
  for (const t of plan.tiles) assert.ok(Math.abs(t.scaledHeight / t.h - 0.5) < 0.01, `scale ${t.scaledHeight / t.h}`);
  const tiny = planCrops(options(frame, [VERTICAL], constant(20)));
  for (const t of tiny.tiles) assert.ok(Math.abs(t.scaledHeight / t.h - 1) < 0.01, 'never enlarged past the source');
  const huge = planCrops(options(frame, [VERTICAL], constant(2000)));
  for (const t of huge.tiles) assert.ok(Math.abs(t.scaledHeight / t.h - 0.1) < 0.01, 'never below the smallest scale');
});

test('a band larger than one input is tiled, neighbours overlapping by more than a tall person', () => {
  const frame = { width: 1920, height: 1080 };
  const heights = constant(64, 100);
  const plan = planCrops(options(frame, [VERTICAL], heights));
  assert.ok(plan.tiles.length >= 2, `${plan.tiles.length} tiles`);
  const sorted = [...plan.tiles].sort((p, q) => p.y - q.y || p.x - q.x);
  for (let i = 1; i < sorted.length; i++) {
    const [p, q] = [sorted[i - 1], sorted[i]];
    if (p.x !== q.x) continue;
    assert.ok(p.y + p.h - q.y >= 100, `rows overlap by ${p.y + p.h - q.y} px`);
  }
});

test('far and near parts of a long line get their own scales; a whole frame is cut into strips the same way', () => {
  const frame = { width: 1920, height: 1080 };
  const heights = perspective(40, 400, frame.height);
  const plan = planCrops(options(frame, [VERTICAL], heights));
  const scales = [...new Set(plan.regions.map((r) => r.scale.toFixed(3)))];
  assert.ok(scales.length >= 2, `scales ${scales.join(', ')}`);
  const top = plan.regions.reduce((p, q) => (q.y < p.y ? q : p));
  const bottom = plan.regions.reduce((p, q) => (q.y + q.h > p.y + p.h ? q : p));
  assert.ok(top.scale > bottom.scale, 'the far (upper) part is looked at more closely');
  const full = planCrops(options(frame, [VERTICAL], heights, { region: { kind: 'full' } }));
  assert.ok(new Set(full.regions.map((r) => r.scale)).size >= 2, 'strips of different scales');
  for (let y = 0; y < frame.height; y += 20) for (let x = 0; x < frame.width; x += 40) assert.ok(covered(full, x, y), `${x},${y} covered`);
});

test('a short door line away from everything else looks at a small part of a 1080p frame', () => {
  const frame = { width: 1920, height: 1080 };
  const plan = planCrops(options(frame, [DOOR], constant(120, 150)));
  const area = plan.tiles.reduce((s, t) => s + t.w * t.h, 0);
  assert.ok(area < 0.6 * frame.width * frame.height, `tiles cover ${((100 * area) / (frame.width * frame.height)).toFixed(0)} % of the frame`);
});

test('explicit rectangles are looked at (and nothing far from them), in frame pixels', () => {
  const frame = { width: 1280, height: 720 };
  const plan = planCrops(options(frame, [VERTICAL], constant(100), { region: { kind: 'rects', rects: [[0, 0, 0.25, 0.5], [0.75, 0.5, 0.25, 0.5]] } }));
  assert.ok(covered(plan, 100, 100) && covered(plan, 1200, 650), 'both rectangles');
  assert.ok(!covered(plan, 640, 360), 'not the middle');
});

test('a model with a fixed input gets tiles of exactly that size', () => {
  const frame = { width: 1920, height: 1080 };
  const plan = planCrops(options(frame, [VERTICAL, HORIZONTAL], constant(90), { maxInput: { width: 416, height: 416 }, fixedInput: true }));
  for (const t of plan.tiles) assert.deepEqual([t.inputWidth, t.inputHeight], [416, 416]);
});

test('the band widens with the time between detection passes', () => {
  assert.ok(bandHeights(0.5) > bandHeights(0.1));
  const frame = { width: 1920, height: 1080 };
  const narrow = planCrops(options(frame, [VERTICAL], constant(100), { detectionInterval: 1 / 30 }));
  const wide = planCrops(options(frame, [VERTICAL], constant(100), { detectionInterval: 0.4 }));
  const width = (p: CropPlan) => Math.max(...p.regions.map((r) => r.w));
  assert.ok(width(wide) > width(narrow), `${width(wide)} > ${width(narrow)}`);
});

test('no tile is run that a finer tile already covers, when its people fit that tile', () => {
  for (const frame of FRAMES) {
    const heights = perspective(frame.height / 12, frame.height / 2, frame.height);
    for (const region of [{ kind: 'full' as const }, { kind: 'auto' as const }]) {
      const plan = planCrops(options(frame, [VERTICAL, HORIZONTAL], heights, { region, maxInputPixels: 0.3 * frame.width * frame.height }));
      const scale = (t: Tile) => t.scaledHeight / t.h;
      for (const t of plan.tiles) {
        const coveredBy = plan.tiles.find(
          (u) => u !== t && scale(u) >= scale(t) && u.x <= t.x && u.y <= t.y && u.x + u.w >= t.x + t.w && u.y + u.h >= t.y + t.h,
        );
        assert.ok(!coveredBy || heights.high(t.y + t.h) * scale(coveredBy) > 0.9 * coveredBy.inputHeight, `${JSON.stringify(t)} is covered by ${JSON.stringify(coveredBy)}`);
      }
    }
  }
});

test('a plan over budget lowers its finest scales until it fits; a plan within budget is left alone', () => {
  const frame = { width: 1920, height: 1080 };
  const heights = perspective(40, 400, frame.height);
  const free = planCrops(options(frame, [VERTICAL, HORIZONTAL], heights, { region: { kind: 'full' } }));
  const cost = (p: CropPlan) => p.tiles.reduce((s, t) => s + t.inputWidth * t.inputHeight, 0);
  const budget = cost(free) / 3;
  const capped = planCrops(options(frame, [VERTICAL, HORIZONTAL], heights, { region: { kind: 'full' }, maxInputPixels: budget }));
  assert.ok(cost(capped) <= budget, `${cost(capped)} ≤ ${budget}`);
  const finest = (p: CropPlan) => Math.max(...p.tiles.map((t) => t.scaledHeight / t.h));
  assert.ok(finest(capped) < finest(free));
  assert.deepEqual(planCrops(options(frame, [VERTICAL], heights, { maxInputPixels: 10 * cost(free) })), planCrops(options(frame, [VERTICAL], heights)));
});

test('a source with fewer than 576 rows may be enlarged and spends the budget of the enlarged frame; larger ones are unchanged', () => {
  assert.equal(maxScaleFor({ width: 768, height: 576 }), 1);
  assert.equal(maxScaleFor({ width: 1920, height: 1080 }), 1);
  assert.equal(pixelBudget({ width: 768, height: 576 }), 0.4 * 768 * 576);
  assert.equal(pixelBudget({ width: 1920, height: 1080 }), 0.4 * 1920 * 1080);
  assert.equal(maxScaleFor({ width: 640, height: 360 }), 1.6);
  // 640×360 is budgeted as 1024×576, 640×480 as 768×576: the same scene gets the same input pixels per person.
  assert.ok(Math.abs(pixelBudget({ width: 640, height: 360 }) - 0.4 * 1024 * 576) < 1e-6);
  assert.ok(Math.abs(pixelBudget({ width: 640, height: 480 }) - pixelBudget({ width: 768, height: 576 })) < 1e-6);
});

test('people of a 640x360 street reach the detector as tall as the same people at 1080p: enlarged, within budget', () => {
  // The same scene at two resolutions: people a ninth of the frame tall (40 px at 360 rows, 120 px at 1080).
  const plan = (frame: { width: number; height: number }) =>
    planCrops(
      options(frame, [VERTICAL], constant(frame.height / 9), { maxScale: maxScaleFor(frame), maxInputPixels: pixelBudget(frame) }),
    );
  const finest = (p: CropPlan) => Math.max(...p.tiles.map((t) => t.scaledHeight / t.h));
  const small = plan({ width: 640, height: 360 });
  const large = plan({ width: 1920, height: 1080 });
  assert.ok(planCost(small) <= pixelBudget({ width: 640, height: 360 }));
  assert.ok(finest(small) > 1, `finest scale ${finest(small)}`);
  assert.ok(40 * finest(small) >= 0.95 * 120 * finest(large), `${40 * finest(small)} px against ${120 * finest(large)} px`);
  assert.ok(40 * finest(small) >= 0.95 * 64, 'the target height');
});
