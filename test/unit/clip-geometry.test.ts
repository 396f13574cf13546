import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipToUnit, shakeCrop, shakeMargin, shakeOffset, transformLines, transformRows, zoomCrop } from '../../bench/clip-geometry.js';
import { truthCrossings, type TimedCrossing } from '../../src/metrics/crossings.js';
import { readMot17File, readMotFile, type MotRow } from '../../src/metrics/gt.js';
import type { LineSpec } from '../../src/vision/types.js';
import { mot17Gt, vtestGt } from '../footage.js';

const VTEST = { width: 768, height: 576, frames: 480, fps: 7 };
const VTEST_LINES: LineSpec[] = [
  { name: 'main', points: [0.5, 0, 0.5, 1] },
  { name: 'horizontal', points: [0, 0.5, 1, 0.5] },
  { name: 'diagonal', points: [0, 0, 1, 1] },
  { name: 'right', points: [0.75, 0, 0.75, 1] },
  { name: 'segment', points: [0.3, 0.6, 0.8, 0.4] },
];
const MOT = { width: 1920, height: 1080, frames: 140, fps: 30 };
const MOT_LINES: LineSpec[] = [0.3, 0.5, 0.7].map((x) => ({ name: `x${x * 100}`, points: [x, 0, x, 1] }));
const row = (frame: number, box: MotRow['box']): MotRow => ({ frame, id: 1, box, conf: 1 });
const truthOf = (rows: readonly MotRow[], lines: readonly LineSpec[], fps: number, frame = VTEST) =>
  truthCrossings(rows.filter((r) => r.conf !== 0), lines, frame, fps);
const key = (c: TimedCrossing) => `${c.line} ${c.direction} ${c.t.toFixed(6)} ${c.id}`;
const turned = (c: TimedCrossing): TimedCrossing => ({ ...c, direction: c.direction === 'in' ? 'out' : 'in' });

test('reversed: frame f becomes frames + 1 − f, in frame order; boxes unchanged', () => {
  const rows = [row(1, [10, 20, 30, 40]), row(2, [12, 20, 30, 40]), { ...row(2, [50, 20, 30, 40]), id: 2 }];
  const out = transformRows(rows, { width: 100, height: 100, frames: 5, fps: 5 }, { reverse: true });
  assert.deepEqual(out.map((r) => [r.frame, r.id, r.box[0]]), [[4, 1, 12], [4, 2, 50], [5, 1, 10]]);
  assert.deepEqual(rows[0].frame, 1, 'the input rows are left as they were');
  assert.throws(() => transformRows([row(6, [0, 0, 1, 1])], { width: 100, height: 100, frames: 5, fps: 5 }, { reverse: true }), /past the video's 5 frames/);
});

test('reversed: the counting rule on the reversed annotation gives every crossing backwards, at the mirrored time', () => {
  for (const [file, read, base, lines, fps] of [
    [vtestGt, readMotFile, VTEST, VTEST_LINES, 7],
    [mot17Gt, readMot17File, MOT, MOT_LINES, 30],
  ] as const) {
    const rows = read(file);
    const forward = truthOf(rows, lines, fps, base);
    const backward = truthOf(transformRows(rows, base, { reverse: true }), lines, fps, base);
    assert.ok(forward.length >= 10, `${file}: ${forward.length} crossings`);
    const last = (base.frames - 1) / fps;
    assert.deepEqual(backward.map(key).sort(), forward.map((c) => key({ ...turned(c), t: last - c.t })).sort(), file);
  }
});

test('mirrored: boxes and lines flipped left to right, the same crossings in the other direction on vertical lines', () => {
  assert.deepEqual(transformRows([row(1, [10, 20, 30, 40])], VTEST, { mirror: true })[0].box, [728, 20, 30, 40]);
  assert.deepEqual(transformLines(VTEST_LINES, VTEST, { mirror: true }).map((l) => l.points), [
    [0.5, 0, 0.5, 1],
    [1, 0.5, 0, 0.5],
    [1, 0, 0, 1],
    [0.25, 0, 0.25, 1],
    [0.7, 0.6, 0.19999999999999996, 0.4],
  ]);
  const rows = readMotFile(vtestGt);
  const main = [VTEST_LINES[0]];
  const forward = truthOf(rows, main, 7);
  const mirrored = truthOf(transformRows(rows, VTEST, { mirror: true }), main, 7);
  assert.deepEqual(mirrored.map(key).sort(), forward.map((c) => key(turned(c))).sort());
});

test('zoom: the centred crop has even sizes and offsets', () => {
  assert.deepEqual(zoomCrop({ width: 1920, height: 1080 }, 2), { x: 480, y: 270, width: 960, height: 540 });
  assert.deepEqual(zoomCrop({ width: 768, height: 576 }, 2), { x: 192, y: 144, width: 384, height: 288 });
  assert.deepEqual(zoomCrop({ width: 770, height: 578 }, 2), { x: 192, y: 144, width: 386, height: 290 });
  assert.throws(() => zoomCrop({ width: 100, height: 100 }, 0.5), /zoom must be ≥ 1/);
});

test('zoom: boxes scaled about the crop, those wholly outside it dropped, those cut by it kept whole', () => {
  const rows = [row(1, [480, 270, 100, 200]), row(1, [0, 0, 479, 1080]), row(1, [400, 700, 200, 400]), row(1, [1500, 0, 100, 269])];
  assert.deepEqual(transformRows(rows, MOT, { zoom: 2 }).map((r) => r.box), [
    [0, 0, 200, 400],
    [-160, 860, 400, 800],
  ]);
});

test('zoom: lines cut to the crop; a line left on its edge or outside it is dropped', () => {
  assert.deepEqual(transformLines(VTEST_LINES, VTEST, { zoom: 2 }), [
    { name: 'main', points: [0.5, 0, 0.5, 1] },
    { name: 'horizontal', points: [0, 0.5, 1, 0.5] },
    { name: 'diagonal', points: [0, 0, 1, 1] },
    { name: 'segment', points: [0.1, 0.7, 1, 0.34] },
  ]);
  assert.deepEqual(transformLines(MOT_LINES, MOT, { zoom: 2 }).map((l) => l.points), [[0.1, 0, 0.1, 1], [0.5, 0, 0.5, 1], [0.9, 0, 0.9, 1]]);
  assert.equal(clipToUnit([1.2, 0, 1.2, 1]), null);
  assert.equal(clipToUnit([0, 0, 1, 0]), null);
  assert.equal(clipToUnit([-1, 2, 2, 1.5]), null);
  assert.deepEqual(clipToUnit([0.5, 0.5, 0.6, 0.6]), [0.5, 0.5, 0.6, 0.6]);
  assert.deepEqual(clipToUnit([1, -1, 0, 1]), [0.5, 0, 0, 1]);
});

test('zoom: the truth keeps the crossings inside the crop, at their times, and gains none', () => {
  const rows = readMot17File(mot17Gt);
  const forward = truthOf(rows, MOT_LINES, 30, MOT);
  const zoomed = truthOf(transformRows(rows, MOT, { zoom: 2 }), transformLines(MOT_LINES, MOT, { zoom: 2 }), 30, MOT);
  assert.ok(zoomed.length > 0 && zoomed.length < forward.length, `${zoomed.length} of ${forward.length}`);
  const before = new Set(forward.map(key));
  for (const c of zoomed) assert.ok(before.has(key(c)), `${key(c)} is not a crossing of the clip`);
  // The zoom scales boxes by 2, margins with them: one rule, so the crossings inside the crop are the same ones.
  const vt = readMotFile(vtestGt);
  const inside = truthOf(transformRows(vt, VTEST, { zoom: 2 }), transformLines(VTEST_LINES, VTEST, { zoom: 2 }), 7);
  const all = new Set(truthOf(vt, VTEST_LINES, 7).map(key));
  assert.ok(inside.length >= 5);
  for (const c of inside.filter((x) => x.line !== 'segment')) assert.ok(all.has(key(c)), `${key(c)} is not a crossing of vtest.avi`);
});

test('shake: offsets within the margin, whole pixels, moving both ways; boxes moved against the view and scaled back', () => {
  const margin = shakeMargin(MOT, 0.01);
  assert.equal(margin, 11);
  const offsets = Array.from({ length: 300 }, (_, n) => shakeOffset(n, 30, margin));
  for (const { dx, dy } of offsets) {
    assert.ok(Number.isInteger(dx) && Number.isInteger(dy) && Math.abs(dx) <= margin && Math.abs(dy) <= margin, `${dx}, ${dy}`);
  }
  const spread = (k: 'dx' | 'dy') => Math.max(...offsets.map((o) => o[k])) - Math.min(...offsets.map((o) => o[k]));
  assert.ok(spread('dx') >= margin && spread('dy') >= margin, `${spread('dx')}, ${spread('dy')}`);
  const { dx, dy } = shakeOffset(9, 30, margin);
  const [moved] = transformRows([row(10, [100, 200, 50, 100])], MOT, { shake: 0.01 });
  const sx = 1920 / (1920 - 22);
  const sy = 1080 / (1080 - 22);
  assert.deepEqual(moved.box, [(100 - 11 - dx) * sx, (200 - 11 - dy) * sy, 50 * sx, 100 * sy]);
  assert.throws(() => transformRows([], MOT, { shake: 0.01, zoom: 2 }), /shake and zoom/);
  assert.throws(() => shakeMargin(MOT, 0.2), /shake must be/);
});

test('shake: the ffmpeg crop evaluates the same waves for frame n, with the numbers the offsets use', () => {
  const filter = shakeCrop(MOT, 30, 0.01);
  assert.match(filter, /^crop=w=1898:h=1058:x='11\+floor\(.*\)':y='11\+floor\(.*\)':exact=1$/);
  // The expression as JavaScript (ffmpeg's floor and sin are the C library's): the same offset at every frame.
  const [, x, y] = /x='([^']*)':y='([^']*)'/.exec(filter)!;
  const evaluate = (expr: string, n: number) =>
    Function('n', 'floor', 'sin', `return ${expr};`)(n, Math.floor, Math.sin) as number;
  for (let n = 0; n < 100; n++) {
    const { dx, dy } = shakeOffset(n, 30, 11);
    assert.equal(evaluate(x, n), 11 + dx);
    assert.equal(evaluate(y, n), 11 + dy);
  }
});
