import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameTiming, frameTime } from '../../src/worker/frame-timing.js';

test('a frame keeps its grid time unless ffmpeg times it more than half a frame away', () => {
  assert.equal(frameTime(104 / 10, 10.42, 10), 10.4, 'timestamp rounding: the grid time, exactly');
  assert.equal(frameTime(104 / 10, 30.3, 10), 30.3, 'after a pause');
  assert.equal(frameTime(2 / 3, undefined, 3), 2 / 3, 'no time printed');
  assert.equal(frameTime(0.5, Number.NaN, 2), 0.5, 'NOPTS');
});

test('frames read from the start are numbered 0, N, 2N… and timed on the grid, or by their own time after a pause', () => {
  const t = new FrameTiming({ every: 3, seek: null, frameTimes: true });
  t.rateKnown(10);
  // An MPEG-TS: ffmpeg times frames from the container's start, 1.4 s in; the third comes after a 5 s pause.
  [1.4, 1.7, 7.0].forEach((s, n) => t.heard(n, s));
  const stamps = [0, 1, 2].map(() => t.stamp(10, 0));
  assert.deepEqual(stamps.map((s) => s.index), [0, 3, 6]);
  assert.deepEqual(stamps.map((s) => s.ptsSeconds), [0, 0.3, 7.0 - 1.4]);
  assert.equal(stamps[1].ownSeconds!.toFixed(6), (0.3).toFixed(6));
  assert.equal(t.stamped, 3);
});

test('a frame\'s own time is awaited only when ffmpeg prints it', () => {
  const timed = new FrameTiming({ every: 1, seek: null, frameTimes: true });
  assert.equal(timed.nextTimeKnown, false);
  timed.heard(0, 0);
  assert.equal(timed.nextTimeKnown, true);
  timed.stamp(25, 0);
  assert.equal(timed.nextTimeKnown, false, 'the second frame\'s time is not in yet');
  assert.equal(new FrameTiming({ every: 1, seek: null }).nextTimeKnown, true);
});

test('a run started later is numbered from its start, and after a seek from where its first frame really is', () => {
  const unseen = new FrameTiming({ every: 1, seek: null, startSeconds: 2 });
  unseen.rateKnown(10);
  assert.equal(unseen.stamp(10, 0).index, 20, 'round(start × fps) without a frame time');

  // Asked for 2 s into a video that starts 0.5 s into its container: ffmpeg sought to 2.5 s, landed 0.3 s later.
  const sought = new FrameTiming({ every: 1, seek: { ss: 2.5 }, startSeconds: 2, videoStart: 0.5, frameTimes: true });
  sought.rateKnown(10);
  sought.heard(0, 0.3);
  sought.heard(1, 0.4);
  const [first, second] = [sought.stamp(10, 0), sought.stamp(10, 0)];
  assert.deepEqual([first.index, second.index], [23, 24]);
  assert.equal(first.ptsSeconds, 2.3);
  assert.equal(first.ownSeconds!.toFixed(6), (2.3).toFixed(6));
});

test('without a frame rate, frames are timed by the clock from the first frame', () => {
  const t = new FrameTiming({ every: 1, seek: null });
  t.firstFrame(1000);
  assert.deepEqual(t.stamp(null, 1000), { index: 0, ptsSeconds: 0, ownSeconds: null });
  assert.deepEqual(t.stamp(null, 1250), { index: 1, ptsSeconds: 0.25, ownSeconds: null });
});
