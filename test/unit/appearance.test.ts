import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPEARANCE_LENGTH, appearanceDistance, blendAppearance, describeAppearance, type PixelView } from '../../src/vision/appearance.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import { Tracker } from '../../src/vision/tracker.js';
import type { Box, Detection } from '../../src/vision/types.js';

type Rgb = [number, number, number];

/** An rgb24 image of a grey background with a person-sized box: `top` colour above mid-height, `bottom` below. */
function person(width: number, height: number, box: Box, top: Rgb, bottom: Rgb): Uint8Array {
  const data = new Uint8Array(width * height * 3).fill(128);
  const [x0, y0, w, h] = box;
  for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
      data.set(y < y0 + h / 2 ? top : bottom, (y * width + x) * 3);
    }
  }
  return data;
}

/** The same picture as yuv420p (BT.601 full range), as the worker's source-size frames are. */
function toYuv420p(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 1.5);
  const cw = width / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const [r, g, b] = [rgb[i], rgb[i + 1], rgb[i + 2]];
      out[y * width + x] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (y % 2 === 0 && x % 2 === 0) {
        const ci = (y / 2) * cw + x / 2;
        out[width * height + ci] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        out[width * height + (width * height) / 4 + ci] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  return out;
}

const W = 160;
const H = 120;
const BOX: Box = [60, 10, 40, 100];
const RED: Rgb = [200, 30, 30];
const BLUE: Rgb = [30, 40, 190];
const DARK: Rgb = [30, 30, 30];

test('appearance: the same colours describe alike in rgb24 and yuv420p, other colours do not', () => {
  const rgb = person(W, H, BOX, RED, DARK);
  const a = describeAppearance({ format: 'rgb24', width: W, height: H, data: rgb }, BOX);
  const b = describeAppearance({ format: 'yuv420p', width: W, height: H, data: toYuv420p(rgb, W, H) }, BOX);
  assert.ok(a && b);
  assert.equal(a.length, APPEARANCE_LENGTH);
  assert.ok(appearanceDistance(a, b) < 0.1, `rgb vs yuv ${appearanceDistance(a, b)}`);
  assert.equal(appearanceDistance(a, a), 0);
  const other = describeAppearance({ format: 'rgb24', width: W, height: H, data: person(W, H, BOX, BLUE, DARK) }, BOX);
  assert.ok(other);
  // Legs alike, upper body entirely different: half the way to "nothing in common".
  assert.ok(appearanceDistance(a, other) > 0.45, `red vs blue ${appearanceDistance(a, other)}`);
});

test('appearance: box coordinates map into a scaled picture; too small or outside boxes give null', () => {
  // The same person in a picture at half the source size.
  const half: PixelView = { format: 'rgb24', width: W / 2, height: H / 2, data: person(W / 2, H / 2, [30, 5, 20, 50], RED, DARK) };
  const full = describeAppearance({ format: 'rgb24', width: W, height: H, data: person(W, H, BOX, RED, DARK) }, BOX);
  const mapped = describeAppearance(half, BOX, { scaleX: 0.5, scaleY: 0.5, offsetX: 0, offsetY: 0 });
  assert.ok(full && mapped && appearanceDistance(full, mapped) < 0.1);
  assert.equal(describeAppearance(half, [30, 5, 6, 50]), null, 'under 8 pixels wide');
  assert.equal(describeAppearance(half, [200, 5, 20, 50]), null, 'outside the picture');
});

test('appearance: a track takes in new sightings slowly', () => {
  const t = new Float32Array(APPEARANCE_LENGTH);
  const seen = new Float32Array(APPEARANCE_LENGTH).fill(1);
  blendAppearance(t, seen, 0.9);
  assert.ok(Math.abs(t[0] - 0.1) < 1e-6);
});

/** A person with an appearance, for the tracker. */
function det(x: number, appearance: Float32Array): Detection {
  return { box: [x, 100, 40, 100], score: 0.9, label: 'person', appearance };
}

test('tracker: with the cue on, someone who looks different is not taken for a person unseen for a while', () => {
  const red = describeAppearance({ format: 'rgb24', width: W, height: H, data: person(W, H, BOX, RED, DARK) }, BOX)!;
  const blue = describeAppearance({ format: 'rgb24', width: W, height: H, data: person(W, H, BOX, BLUE, DARK) }, BOX)!;
  const idsAfter = (veto: number) => {
    const tracker = new Tracker({ appearanceVeto: veto });
    for (let f = 0; f < 5; f++) tracker.update([det(100 + 10 * f, red)], f / 10);
    // Hidden for 0.5 s, then someone in blue where the red one would be.
    return tracker.update([det(200, blue)], 0.9).tracks.filter((t) => t.matched).map((t) => t.id);
  };
  assert.deepEqual(idsAfter(1), [1], 'the cue off: motion alone matches them');
  assert.notDeepEqual(idsAfter(0.4), [1], 'the cue on: a new person');
});

test('people counter: appearance is sampled only for detections near the lines', () => {
  const pc = new PeopleCounter([{ name: 'mid', points: [0.5, 0, 0.5, 1] }], { width: 2000, height: 1000 });
  const asked: number[] = [];
  const sampler = (box: Box) => {
    asked.push(box[0]);
    return null;
  };
  // Feet at x = 1000 (on the line), 1300 (three heights away: the band's edge) and 1700 (far).
  pc.detections([1000, 1300, 1700].map((x) => ({ box: [x - 20, 400, 40, 100] as Box, score: 0.9, label: 'person' as const })), 1, 0, sampler);
  assert.deepEqual(asked, [980, 1280]);
});
