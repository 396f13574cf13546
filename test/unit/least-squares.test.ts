import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineMoments } from '../../src/vision/least-squares.js';

test('lineMoments: means and centred sums of points on y = 2x + 1 give the slope sxy / sxx = 2', () => {
  const points = [[0, 1], [1, 3], [2, 5], [5, 11]] as const;
  const m = lineMoments(points.length, (i) => points[i][0], (i) => points[i][1]);
  assert.equal(m.meanX, 2);
  assert.equal(m.meanY, 5);
  assert.equal(m.sxx, 14);
  assert.equal(m.sxy, 28);
});

test('lineMoments: a constant y has no covariance with x', () => {
  const m = lineMoments(3, (i) => i + 1, () => 7);
  assert.equal(m.sxy, 0);
  assert.equal(m.sxx, 2);
});
