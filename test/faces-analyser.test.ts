import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FaceAnalyser } from '../src/faces/analyser.js';
import type { RgbImage } from '../src/faces/crop.js';
import type { FaceView } from '../src/faces/estimate.js';
import { decodeImage } from '../src/faces/image.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { repoRoot } from './converter-helpers.js';

/**
 * The analyser gives each face the same reading whatever batch it comes in: a batch is run in chunks of images whose
 * convs run separately, so only float summation order in the head may differ.
 */
const dir = path.join(repoRoot, 'test', 'fixtures', 'faces');
let chips: RgbImage[];
let analyser: FaceAnalyser;
before(async () => {
  const ffmpeg = await resolveFfmpeg({});
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  chips = await Promise.all(files.map((f) => decodeImage(ffmpeg, path.join(dir, f))));
  analyser = await FaceAnalyser.open({ threads: 1 });
});
after(() => analyser.release());

function assertSame(actual: FaceView, expected: FaceView, what: string): void {
  assert.equal(actual.male.length, 2, `${what}: both orientations`);
  actual.male.forEach((p, i) => assert.ok(Math.abs(p - expected.male[i]) <= 1e-5, `${what}: P(male) ${p} vs ${expected.male[i]}`));
  const worst = Math.max(...Array.from(actual.age, (v, i) => Math.abs(v - expected.age[i])));
  assert.ok(worst <= 1e-5, `${what}: age distribution differs by ${worst}`);
}

describe('face analyser across batch sizes (real FaceRes on the fixture chips)', () => {
  test('each chip alone and in a batch of 8 (odd chunk at the end, a chip twice) reads the same', async () => {
    const alone: FaceView[] = [];
    for (const image of chips) alone.push((await analyser.describe([{ image }]))[0]);
    const order = [0, 1, 2, 3, 3, 2, 1, 0, 2].map((k) => k % chips.length);
    const batched = await analyser.describe(order.map((k) => ({ image: chips[k] })));
    assert.equal(batched.length, order.length);
    order.forEach((k, i) => assertSame(batched[i], alone[k], `chip ${k} at ${i}`));
    // The two orientations are different images (the chips are not symmetric): the mirror is really there.
    assert.ok(alone.some((v) => Math.abs(v.male[0] - v.male[1]) > 1e-4), 'mirrored readings differ from unmirrored ones');
  });

  test('the chips read their labelled gender (female, male, female, male by file name)', async () => {
    const views = await analyser.describe(chips.map((image) => ({ image })));
    assert.deepEqual(views.map((v) => (v.male[0] + v.male[1]) / 2 > 0.5), [false, true, false, true]);
  });
});
