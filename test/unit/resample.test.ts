import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YuvResampler, yuv420Size, type YuvFrame } from '../../src/vision/resample.js';

/** A yuv420p frame whose luma is `luma(x, y)` and whose chroma is constant. */
function frame(width: number, height: number, luma: (x: number, y: number) => number, u = 128, v = 128): YuvFrame {
  const data = new Uint8Array(yuv420Size(width, height));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = luma(x, y);
  const c = Math.ceil(width / 2) * Math.ceil(height / 2);
  data.fill(u, width * height, width * height + c);
  data.fill(v, width * height + c);
  return { width, height, data };
}

function resize(f: YuvFrame, rect: { x: number; y: number; w: number; h: number }, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  new YuvResampler().resample(f, rect, out, w, { atX: 0, atY: 0, w, h });
  return out;
}

test('limited-range BT.601 colours come out as ffmpeg converts them', () => {
  const cases: [number, number, number, [number, number, number]][] = [
    [235, 128, 128, [255, 255, 255]],
    [16, 128, 128, [0, 0, 0]],
    [81, 90, 240, [255, 0, 0]],
    [145, 54, 34, [0, 255, 0]],
    [41, 240, 110, [0, 0, 255]],
  ];
  for (const [y, u, v, rgb] of cases) {
    const out = resize(frame(8, 8, () => y, u, v), { x: 0, y: 0, w: 8, h: 8 }, 4, 4);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(out[i] - rgb[i]) <= 2, `yuv ${y},${u},${v} → ${out.slice(0, 3).join(',')}, expected ${rgb.join(',')}`);
  }
});

test('a crop at scale 1 is the crop itself, placed where asked in a wider output', () => {
  const f = frame(64, 48, (x, y) => 16 + x + 2 * y);
  const out = new Uint8Array(40 * 20 * 3).fill(7);
  new YuvResampler().resample(f, { x: 10, y: 5, w: 16, h: 12 }, out, 40, { atX: 20, atY: 4, w: 16, h: 12 });
  // Grey levels are expanded from the limited range: out = (Y − 16) · 255/219.
  const grey = (x: number, y: number) => Math.round(((x + 2 * y) * 255) / 219);
  for (let j = 0; j < 12; j++) {
    for (let i = 0; i < 16; i++) {
      const o = ((4 + j) * 40 + 20 + i) * 3;
      assert.ok(Math.abs(out[o] - grey(10 + i, 5 + j)) <= 1, `pixel ${i},${j}: ${out[o]} vs ${grey(10 + i, 5 + j)}`);
    }
  }
  assert.equal(out[0], 7, 'outside the target area nothing is written');
  assert.equal(out[(19 * 40 + 39) * 3], 7);
});

test('shrinking averages the pixels under each output pixel instead of picking some (no aliasing)', () => {
  // One-pixel stripes of black and white: any point sampler returns black or white, the average is mid-grey.
  const f = frame(200, 100, (x) => (x % 2 === 0 ? 16 : 235));
  for (const w of [40, 37, 23]) {
    const out = resize(f, { x: 0, y: 0, w: 200, h: 100 }, w, 20);
    for (let i = 0; i < out.length; i += 3) assert.ok(Math.abs(out[i] - 128) <= 40, `${w} wide: grey level ${out[i]}`);
  }
});

test('shrinking keeps where things are: a bright square lands at the scaled position', () => {
  const f = frame(400, 300, (x, y) => (x >= 200 && x < 240 && y >= 100 && y < 140 ? 235 : 16));
  const out = resize(f, { x: 0, y: 0, w: 400, h: 300 }, 100, 75);
  const at = (x: number, y: number) => out[(y * 100 + x) * 3];
  assert.ok(at(55, 30) > 200, 'inside the square (50–60, 25–35)');
  assert.ok(at(45, 30) < 40 && at(65, 30) < 40 && at(55, 20) < 40 && at(55, 40) < 40, 'outside it');
});

test('frames of odd size and crops touching the edges are read without going out of bounds', () => {
  const f = frame(33, 21, (x, y) => 16 + ((x * 7 + y * 3) % 200));
  for (const rect of [
    { x: 0, y: 0, w: 33, h: 21 },
    { x: 20.5, y: 10.25, w: 12.5, h: 10.75 },
    { x: 0, y: 0, w: 1, h: 1 },
  ]) {
    for (const [w, h] of [
      [7, 5],
      [64, 48],
      [1, 1],
    ]) {
      const out = resize(f, rect, w, h);
      assert.ok(out.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
    }
  }
  assert.throws(() => resize({ width: 33, height: 21, data: new Uint8Array(10) }, { x: 0, y: 0, w: 4, h: 4 }, 4, 4), /needs/);
});
