import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelCorner, lineMarks, placeLabels, type Rect } from '../../src/picture/overlay.js';
import { buildCanvas } from '../../src/tui/preview/scene.js';

const clash = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const bounds = { x: 0, y: 0, width: 100, height: 50 };

test('placeLabels: labels that are clear of each other keep their wanted places (kept inside the bounds)', () => {
  const wanted = [
    { x: 10, y: 10, width: 20, height: 5 },
    { x: 60, y: 10, width: 20, height: 5 },
    { x: 95, y: 48, width: 20, height: 5 },
  ];
  assert.deepEqual(placeLabels(wanted, bounds, 1), [wanted[0], wanted[1], { x: 80, y: 45, width: 20, height: 5 }]);
});

test('placeLabels: a label on top of an earlier one moves straight down or up by its height and the gap, the first keeps its place', () => {
  const a = { x: 10, y: 20, width: 30, height: 5 };
  const b = { x: 15, y: 21, width: 30, height: 5 };
  const c = { x: 12, y: 19, width: 30, height: 5 };
  const [pa, pb, pc] = placeLabels([a, b, c], bounds, 1);
  assert.deepEqual(pa, a);
  assert.deepEqual(pb, { ...b, y: 27 });
  assert.deepEqual(pc, { ...c, y: 13 });
  for (const [p, q] of [[pa, pb], [pa, pc], [pb, pc]]) assert.ok(!clash(p, q), `${JSON.stringify(p)} ${JSON.stringify(q)}`);
  // At the bottom edge there is no room below: it goes above.
  const low = placeLabels([{ x: 0, y: 45, width: 10, height: 5 }, { x: 0, y: 45, width: 10, height: 5 }], bounds, 0);
  assert.deepEqual(low[1], { x: 0, y: 40, width: 10, height: 5 });
});

test('placeLabels: with no free place within reach, a label keeps its wanted one', () => {
  const full = { x: 0, y: 0, width: 10, height: 2 };
  const wanted = [full, full];
  assert.deepEqual(placeLabels(wanted, { x: 0, y: 0, width: 10, height: 2 }, 0), [full, full]);
});

test('two close vertical lines: their labels want the same place, and are laid out apart', () => {
  // 0.50 and 0.52 of a 768×576 frame: both labels beside the middle, on the out side, 15 px apart and 60 px wide.
  const [m1, m2] = [0.5, 0.52].map((x) => lineMarks([x, 0, x, 1], 768, 576, 48));
  const wanted = [m1, m2].map((m) => ({ ...labelCorner(m, 60, 14, 6), width: 60, height: 14 }));
  assert.ok(clash(wanted[0], wanted[1]), 'the wanted places overlap');
  const [p1, p2] = placeLabels(wanted, { x: 2, y: 2, width: 764, height: 572 }, 2);
  assert.ok(!clash(p1, p2));
  assert.equal(p2.x, wanted[1].x, 'the second stays beside its line');
});

test('the live picture: two close lines\' labels are both whole on the canvas', () => {
  const scene = {
    picture: null,
    sourceWidth: 768,
    sourceHeight: 576,
    tracks: [],
    lines: [
      { name: 'north', points: [0.5, 0, 0.5, 1] as const, counts: { in: 3, out: 1 } },
      { name: 'south', points: [0.52, 0, 0.52, 1] as const, counts: { in: 0, out: 2 } },
    ],
  };
  const c = buildCanvas(scene, 80, 24, true);
  const rows = Array.from({ length: c.rows }, (_, row) => Array.from({ length: c.cols }, (_, col) => c.text.get(row * c.cols + col)?.ch ?? ' ').join(''));
  const text = rows.join('\n');
  assert.match(text, /north in 3 out 1/);
  assert.match(text, /south in 0 out 2/);
});
