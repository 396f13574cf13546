import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignWithLimit, maxMatchingMinCost } from '../../src/vision/assignment.js';
import { rng } from '../synthetic-walk.js';

/** Cheapest assignment of min(n, m) pairs by trying every injection (tiny matrices only). */
function bruteForceMin(cost: number[][]): number {
  const n = cost.length;
  const m = cost[0].length;
  const rowsFirst = n <= m;
  const small = rowsFirst ? n : m;
  const big = rowsFirst ? m : n;
  const at = (i: number, j: number) => (rowsFirst ? cost[i][j] : cost[j][i]);
  let best = Infinity;
  const used = new Array<boolean>(big).fill(false);
  const go = (i: number, sum: number) => {
    if (i === small) {
      best = Math.min(best, sum);
      return;
    }
    for (let j = 0; j < big; j++) {
      if (used[j]) continue;
      used[j] = true;
      go(i + 1, sum + at(i, j));
      used[j] = false;
    }
  };
  go(0, 0);
  return best;
}

function totalOf(cost: number[][], matches: [number, number][]): number {
  return matches.reduce((s, [i, j]) => s + cost[i][j], 0);
}

/** Far above any total of the matrices below: every row that can have a column gets one, the cheapest way. */
const NO_LIMIT = 1000;

test('square matrix: the known optimum, not the greedy choice', () => {
  // Greedy would take (0,0)=1 and then be forced into (1,1)=100; the optimum is 2 + 3.
  const cost = [
    [1, 2],
    [3, 100],
  ];
  assert.deepEqual(assignWithLimit(cost, NO_LIMIT).matches, [[0, 1], [1, 0]]);
});

test('random rectangular matrices, both orientations, match brute force', () => {
  const random = rng(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(random() * 5);
    const m = 1 + Math.floor(random() * 5);
    const cost = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(random() * 20)));
    const { matches } = assignWithLimit(cost, NO_LIMIT);
    assert.equal(matches.length, Math.min(n, m), `every row or column used in ${n}x${m}`);
    assert.equal(new Set(matches.map(([, j]) => j)).size, Math.min(n, m), 'no column twice');
    assert.equal(totalOf(cost, matches), bruteForceMin(cost), JSON.stringify(cost));
  }
});

test('empty matrices give empty assignments', () => {
  assert.deepEqual(assignWithLimit([], 1), { matches: [], unmatchedRows: [], unmatchedCols: [] });
  assert.deepEqual(assignWithLimit([[], []], 1), { matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
});

test('bad matrices are refused with a message naming the problem', () => {
  assert.throws(() => assignWithLimit([[1, 2], [3]], 1), /row 1 has 1 columns, expected 2/);
  assert.throws(() => assignWithLimit([[1]], Infinity), /maxCost must be finite/);
});

test('assignWithLimit never matches forbidden or too costly pairs', () => {
  const cost = [
    [0.2, Infinity, 0.9],
    [Infinity, 1.5, NaN],
  ];
  const r = assignWithLimit(cost, 1);
  assert.deepEqual(r.matches, [[0, 0]]);
  assert.deepEqual(r.unmatchedRows, [1]);
  assert.deepEqual(r.unmatchedCols, [1, 2]);
});

test('assignWithLimit leaves rows unmatched when two cheap-ish pairs cost more than one good pair plus the limit', () => {
  // Matching both (0,1)=0.9 and (1,0)=0.9 costs 1.8; matching only (0,0)=0.1 and leaving row 1 costs 0.1 + 1.
  const cost = [
    [0.1, 0.9],
    [0.9, Infinity],
  ];
  assert.deepEqual(assignWithLimit(cost, 1).matches, [[0, 0]]);
  // With a higher limit the second match is worth it.
  assert.deepEqual(
    assignWithLimit(cost, 2).matches.sort((a, b) => a[0] - b[0]),
    [
      [0, 1],
      [1, 0],
    ],
  );
});

test('maxMatchingMinCost prefers more pairs over cheaper pairs', () => {
  const cost = [
    [0.0, 0.4],
    [0.3, Infinity],
  ];
  const r = maxMatchingMinCost(cost);
  assert.deepEqual(
    r.matches.sort((a, b) => a[0] - b[0]),
    [
      [0, 1],
      [1, 0],
    ],
  );
  assert.throws(() => maxMatchingMinCost([[-1]]), /costs ≥ 0/);
});
