import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxKalman } from '../../src/vision/kalman.js';
import { DEFAULT_TRACKER_CONFIG } from '../../src/vision/tracker-config.js';
import type { Box } from '../../src/vision/types.js';

const noise = DEFAULT_TRACKER_CONFIG.kalman;

function track(fps: number, height: number, speedHeightsPerS: number, seconds: number): BoxKalman {
  const v = speedHeightsPerS * height;
  const box = (t: number): Box => [100 + v * t, 50, 0.4 * height, height];
  const k = new BoxKalman(box(0), noise);
  for (let i = 1; i <= Math.round(seconds * fps); i++) {
    k.predict(1 / fps);
    k.update(box(i / fps));
  }
  return k;
}

test('velocity converges to the true speed in px/s, whatever the frame rate', () => {
  for (const fps of [7, 25]) {
    const k = track(fps, 80, 1, 3);
    const [vx, vy] = k.velocity();
    assert.ok(Math.abs(vx - 80) < 4, `fps ${fps}: vx ${vx} should be about 80 px/s`);
    assert.ok(Math.abs(vy) < 1, `fps ${fps}: vy ${vy} should be about 0`);
  }
});

test('predict moves the box by velocity × dt and keeps its size', () => {
  const k = track(10, 100, 1, 3);
  const before = k.box();
  const [vx] = k.velocity();
  k.predict(0.5);
  const after = k.box();
  assert.ok(Math.abs(after[0] - before[0] - vx * 0.5) < 1e-9);
  assert.ok(Math.abs(after[3] - before[3]) < 1);
});

test('the gate widens with the time since the last update', () => {
  const k = track(10, 100, 0, 2);
  const off: Box = [...k.box()] as Box;
  off[0] += 30;
  const near = k.centerDistance2(off);
  k.predict(1);
  const later = k.centerDistance2(off);
  assert.ok(later < near / 4, `same 30 px offset: d² ${near} right after a match, ${later} one second later`);
});

test('distances are relative to the box size: the same scene at twice the scale gives the same d²', () => {
  const small = track(10, 80, 1, 2);
  const big = track(10, 160, 1, 2);
  const offset = (k: BoxKalman, dx: number): Box => {
    const b = k.box();
    return [b[0] + dx, b[1], b[2], b[3]];
  };
  const dSmall = small.centerDistance2(offset(small, 8));
  const dBig = big.centerDistance2(offset(big, 16));
  assert.ok(Math.abs(dSmall - dBig) / dBig < 1e-6, `${dSmall} vs ${dBig}`);
});
