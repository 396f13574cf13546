import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchCrossings, poolScores, scoreMatch, truthCrossings, type TimedCrossing } from '../../src/metrics/crossings.js';
import { parseMot17 } from '../../src/metrics/gt.js';
import { evaluateMot } from '../../src/metrics/mot.js';

const x = (line: string, direction: 'in' | 'out', t: number): TimedCrossing => ({ line, direction, t });

test('crossings match only on the same line, in the same direction, within the tolerance', () => {
  const truth = [x('a', 'in', 10), x('a', 'out', 20), x('b', 'in', 30)];
  const found = [x('a', 'in', 11.4), x('a', 'in', 20), x('b', 'in', 31.6)];
  const m = matchCrossings(truth, found, 1.5);
  assert.deepEqual(
    m.matched.map((p) => [p.truth.t, p.found.t]),
    [[10, 11.4]],
  );
  assert.deepEqual(m.missed.map((c) => c.t), [20, 30]);
  assert.deepEqual(m.extra.map((c) => c.t), [20, 31.6]);
  const s = scoreMatch(m);
  assert.deepEqual([s.truth, s.found, s.matched, s.missed, s.extra], [3, 3, 1, 2, 2]);
  assert.ok(Math.abs(s.f1 - 1 / 3) < 1e-12);
  assert.deepEqual(scoreMatch(m, 'b'), { truth: 1, found: 1, matched: 0, missed: 1, extra: 1, precision: 0, recall: 0, f1: 0 });
});

test('a double count near a right one does not steal its match: most pairs, then least time apart', () => {
  // Greedy nearest-first would pair truth 10 with found 10.2 and leave truth 11.2 without a partner.
  const truth = [x('a', 'out', 10), x('a', 'out', 11.2)];
  const found = [x('a', 'out', 10.2), x('a', 'out', 8.9)];
  const m = matchCrossings(truth, found, 1.5);
  assert.equal(m.matched.length, 2);
  assert.deepEqual(
    m.matched.map((p) => [p.truth.t, p.found.t]),
    [
      [10, 8.9],
      [11.2, 10.2],
    ],
  );
  // Two found for one true crossing: one is extra.
  const twice = matchCrossings([x('a', 'in', 5)], [x('a', 'in', 5.1), x('a', 'in', 5.3)], 1.5);
  assert.deepEqual([twice.matched.length, twice.extra.length], [1, 1]);
  assert.equal(twice.matched[0].found.t, 5.1);
});

test('pooled scores weigh every crossing the same; empty truth and empty finding score 1', () => {
  const a = scoreMatch(matchCrossings([x('a', 'in', 1)], [x('a', 'in', 1)], 1.5));
  const b = scoreMatch(matchCrossings([x('a', 'in', 1), x('a', 'in', 9), x('a', 'in', 20)], [], 1.5));
  const p = poolScores([a, b]);
  assert.deepEqual([p.matched, p.missed, p.extra], [1, 3, 0]);
  assert.equal(p.recall, 0.25);
  assert.equal(p.precision, 1);
  assert.equal(scoreMatch(matchCrossings([], [], 1.5)).f1, 1);
  assert.throws(() => matchCrossings([], [], -1), /tolerance must be ≥ 0 s, got -1/);
});

test('truth crossings: the counting rule on annotated boxes, frame f at (f − 1) / fps seconds', () => {
  // Person 1 walks right to left (in); its feet cross x = 50 halfway between frames 3 (x = 55) and 4 (x = 45), at
  // t = 0.25 s. Person 2 stays on the right.
  const boxes = [1, 2, 3, 4, 5].flatMap((f) => [
    { frame: f, id: 1, box: [80 - f * 10, 20, 10, 40] as [number, number, number, number] },
    { frame: f, id: 2, box: [80, 20, 10, 40] as [number, number, number, number] },
  ]);
  const c = truthCrossings(boxes, [{ name: 'mid', points: [0.5, 0, 0.5, 1] }], { width: 100, height: 100 }, 10);
  assert.deepEqual(c, [{ line: 'mid', direction: 'in', t: 0.25, id: 1 }]);
});

test('MOT17 ground truth: pedestrians are evaluated, distractors ignored, occluders and vehicles left out', () => {
  const text = [
    '1,1,0,0,10,10,1,1,1', // pedestrian
    '1,2,100,0,10,10,0,7,1', // static person: ignore region
    '1,3,200,0,10,10,0,9,1', // occluder: not a person, not an ignore region
    '1,4,300,0,10,10,0,3,1', // car
  ].join('\n');
  const rows = parseMot17(text, 'gt.txt');
  assert.deepEqual(
    rows.map((r) => [r.id, r.conf]),
    [
      [1, 1],
      [2, 0],
    ],
  );
  // A hypothesis on the static person is dropped; one on the occluder is a false positive.
  const hyp = [0, 100, 200].map((x0, i) => ({ frame: 1, id: i + 1, box: [x0, 0, 10, 10] as [number, number, number, number], conf: 1 }));
  const m = evaluateMot(rows, hyp);
  assert.deepEqual([m.tp, m.fp, m.ignored], [1, 1, 1]);
  assert.throws(() => parseMot17('1,1,0,0,10,10,1', 'gt.txt'), /gt.txt: row 1 has no MOT17 class/);
});
