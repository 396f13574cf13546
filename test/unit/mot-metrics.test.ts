import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMot, type MotRow } from '../../src/metrics/gt.js';
import { evaluateMot } from '../../src/metrics/mot.js';

function row(frame: number, id: number, x: number, conf = 1): MotRow {
  return { frame, id, box: [x, 0, 10, 10], conf };
}

/** Ground truth: person 1 at x = 0, 20, 40, 60 in frames 1..4. */
const GT = [1, 2, 3, 4].map((f) => row(f, 1, (f - 1) * 20));

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
}

test('a perfect track scores 1 everywhere, whatever its id', () => {
  const m = evaluateMot(GT, GT.map((r) => ({ ...r, id: 7 })));
  assert.equal(m.mota, 1);
  assert.equal(m.idf1, 1);
  assert.equal(m.motp, 1);
  assert.deepEqual([m.tp, m.fn, m.fp, m.idsw, m.gt], [4, 0, 0, 0, 4]);
});

test('an id switch: one IDSW, MOTA 3/4; IDF1 pairs the person with one half only: 2·2/(4+4)', () => {
  const hyp = GT.map((r) => ({ ...r, id: r.frame <= 2 ? 1 : 2 }));
  const m = evaluateMot(GT, hyp);
  assert.equal(m.idsw, 1);
  close(m.mota, 0.75);
  close(m.idf1, 0.5);
  assert.equal(m.idtp, 2);
});

test('a miss: one FN, MOTA 3/4; IDF1 = 2·3/(4+3)', () => {
  const m = evaluateMot(GT, GT.filter((r) => r.frame !== 4));
  assert.deepEqual([m.fn, m.fp, m.idsw], [1, 0, 0]);
  close(m.mota, 0.75);
  close(m.idf1, 6 / 7);
});

test('a false positive: one FP, MOTA 3/4; IDF1 = 2·4/(4+5)', () => {
  const m = evaluateMot(GT, [...GT, row(2, 9, 300)]);
  assert.deepEqual([m.fn, m.fp, m.idsw], [0, 1, 0]);
  close(m.mota, 0.75);
  close(m.idf1, 8 / 9);
});

test('a box overlapping with IoU below 0.5 is both a miss and a false positive', () => {
  // x shifted by 4: intersection 60, union 140, IoU 0.43. Shifted by 2: IoU 80/120 = 0.67 still matches.
  const m = evaluateMot(GT, GT.map((r) => ({ ...r, box: [r.box[0] + (r.frame === 1 ? 4 : 2), 0, 10, 10] })));
  assert.deepEqual([m.tp, m.fn, m.fp], [3, 1, 1]);
  close(m.mota, 0.5);
  close(m.motp, 80 / 120);
});

test('ignore regions: a hypothesis on a conf-0 box is neither TP nor FP, and the region is not a miss', () => {
  const gt = [row(1, 1, 0), row(1, 2, 100, 0)];
  const m = evaluateMot(gt, [row(1, 5, 0), row(1, 6, 101)]);
  assert.deepEqual([m.gt, m.hyp, m.tp, m.fn, m.fp, m.ignored], [1, 1, 1, 0, 0, 1]);
  assert.equal(m.mota, 1);
  assert.equal(m.idf1, 1);
  // Not covering the ignore region well enough (IoU < 0.5) makes it an FP again.
  const off = evaluateMot(gt, [row(1, 5, 0), row(1, 6, 106)]);
  assert.deepEqual([off.fp, off.ignored], [1, 0]);
});

test('CLEAR-MOT keeps the previous match while it is still valid, even if another box fits better', () => {
  // Frame 2: hypothesis 1 overlaps the person with IoU 0.67, hypothesis 2 exactly.
  const gt = [row(1, 1, 0), row(2, 1, 0)];
  const hyp = [row(1, 1, 0), row(2, 1, 2), row(2, 2, 0)];
  const m = evaluateMot(gt, hyp);
  assert.deepEqual([m.tp, m.fp, m.idsw], [2, 1, 0]);
  close(m.mota, 0.5);
});

test('a person re-found by another id after a gap is a switch; frames without ground truth give FPs', () => {
  const gt = [row(1, 1, 0), row(3, 1, 40)];
  const hyp = [row(1, 1, 0), row(2, 1, 20), row(3, 2, 40)];
  const m = evaluateMot(gt, hyp);
  assert.deepEqual([m.tp, m.fp, m.fn, m.idsw], [2, 1, 0, 1]);
  close(m.mota, 1 - 2 / 2);
});

test('gt.txt parsing: fields, defaults, and messages naming the line and field', () => {
  const rows = parseMot('1,9,499,158,31.03,75.17,1,-4.1,-7.3,0\n\n2,9,497,158,31,75,0,-1,-1,-1\n3,4,1,2,3,4\n', 'gt.txt');
  assert.deepEqual(rows, [
    { frame: 1, id: 9, box: [499, 158, 31.03, 75.17], conf: 1 },
    { frame: 2, id: 9, box: [497, 158, 31, 75], conf: 0 },
    { frame: 3, id: 4, box: [1, 2, 3, 4], conf: 1 },
  ]);
  assert.throws(() => parseMot('1,2,3\n', 'a.txt'), /a\.txt line 1: expected at least 6 comma-separated fields, got 3/);
  assert.throws(() => parseMot('1,9,1,1,1,1\n1,x,1,1,1,1', 'a.txt'), /a\.txt line 2: field 2 is not a number: "x"/);
  assert.throws(() => parseMot('0,9,1,1,1,1', 'a.txt'), /frame must be an integer ≥ 1, got 0/);
  assert.throws(() => parseMot('1,9,1,1,0,1', 'a.txt'), /width and height must be > 0, got 0x1/);
});
