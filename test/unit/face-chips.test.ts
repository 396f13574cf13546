import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shrink } from '../../bench/face-chips.js';

test('shrink averages each block of pixels (a far face: light averaged, not sampled) and keeps smaller images', () => {
  // 4×2 image, channel values by pixel; shrunk to a side of 2: two 2×2 blocks.
  const data = Uint8Array.from([0, 0, 0, 10, 20, 30, 100, 100, 100, 200, 200, 200, 2, 4, 6, 12, 24, 36, 50, 50, 50, 250, 250, 250]);
  const small = shrink({ width: 4, height: 2, data }, 2);
  assert.equal(small.width, 2);
  assert.equal(small.height, 1);
  assert.deepEqual(Array.from(small.data), [6, 12, 18, 150, 150, 150]);
  const img = { width: 3, height: 3, data: new Uint8Array(27) };
  assert.equal(shrink(img, 3), img, 'already small enough: the same image');
});
