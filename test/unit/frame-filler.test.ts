import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameFiller } from '../../src/worker/frame-filler.js';

test('frames ffmpeg skipped are filled in before each frame that arrives, and after the last up to the length', () => {
  const f = new FrameFiller(5, 13);
  assert.deepEqual(f.before(0), []);
  assert.deepEqual(f.before(5), [1, 2, 3, 4]);
  assert.deepEqual(f.before(10), [6, 7, 8, 9]);
  assert.deepEqual(f.tail(), [11, 12]);
  assert.deepEqual(f.tail(), []);
});

test('the tail never goes past the next frame ffmpeg would have sent, nor is added when the length is unknown', () => {
  const long = new FrameFiller(4, 1000);
  long.before(0);
  long.before(4);
  assert.deepEqual(long.tail(), [5, 6, 7], 'a file cut short (max frames) ends with its last group');
  assert.deepEqual(long.tail(), [], 'asked again (the source is read once more after its end): nothing more');
  const unknown = new FrameFiller(4, null);
  unknown.before(0);
  assert.deepEqual(unknown.tail(), []);
  assert.deepEqual(new FrameFiller(4, 10).tail(), [], 'no frame arrived: nothing to fill');
});

test('every frame arriving (no skipping) fills nothing', () => {
  const f = new FrameFiller(1, 3);
  assert.deepEqual([f.before(0), f.before(1), f.before(2), f.tail()], [[], [], [], []]);
});
