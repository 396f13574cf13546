import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { cropResize, type RgbImage } from '../src/faces/crop.js';
import { decodeImage } from '../src/faces/image.js';
import { builtinModel } from '../src/models/catalog.js';
import { BLAZEFACE_ONNX, BLAZEFACE_TF, FACERES_ONNX, FACERES_TF } from '../src/models/faces.js';
import type { TfjsModelJson } from '../src/models/tfjs-graph.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { humanModels, maxAbsDiff, ortSession, repoRoot, runTfjs } from './converter-helpers.js';

/**
 * The built face models (batched, cut to the outputs used) against the TFJS graphs they come from, on a real face:
 * a batch of two (the chip and its mirror image) through onnxruntime, each image alone through TFJS.
 */
let chip: RgbImage;
before(async () => {
  const ffmpeg = await resolveFfmpeg({});
  chip = await decodeImage(ffmpeg, path.join(repoRoot, 'test', 'fixtures', 'faces', '29_1_0_20170104165932577.jpg'));
});

function inputs(size: number, scale: number, shift: number | readonly [number, number, number]): Float32Array[] {
  return [false, true].map((flip) => {
    const t = new Float32Array(size * size * 3);
    cropResize(chip, [0, 0, chip.width, chip.height], size, t, 0, { flip, scale, shift });
    return t;
  });
}

/** What the TFJS graph is given for an RGB image that the built model takes as it is. */
type Reference = (rgb: Float32Array) => Float32Array;
const asIs: Reference = (rgb) => rgb;

/** The TFJS graph takes BGR (the built one folds the order into its first conv): written out independently here. */
const bgr: Reference = (rgb) => {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) out[i + c] = rgb[i + 2 - c];
  return out;
};

async function compare(name: 'blazeface' | 'faceres', tfInput: string, size: number, scale: number, shift: number | readonly [number, number, number], pairs: [string, string][], reference = asIs) {
  const json = JSON.parse(readFileSync(path.join(humanModels, `${name}.json`), 'utf8')) as TfjsModelJson;
  const weights = new Uint8Array(readFileSync(path.join(humanModels, `${name}.bin`)));
  const session = await ortSession(await builtinModel(name).build(humanModels));
  const images = inputs(size, scale, shift);
  const batch = new Float32Array(images.length * images[0].length);
  images.forEach((t, k) => batch.set(t, k * t.length));
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', batch, [images.length, size, size, 3]) });
  assert.deepEqual([...session.outputNames].sort(), pairs.map(([, onnx]) => onnx).sort(), 'only the outputs used');
  for (const [k, image] of images.entries()) {
    const expected = await runTfjs(json, weights, { [tfInput]: { data: reference(image), shape: [1, size, size, 3] } }, pairs.map(([tf]) => tf));
    pairs.forEach(([tf, onnx], j) => {
      const all = out[onnx].data as Float32Array;
      const per = all.length / images.length;
      const actual = all.subarray(k * per, (k + 1) * per);
      const ref = expected[j].data as Float32Array;
      const scaleOf = Math.max(1, ...Array.from(ref, Math.abs));
      const diff = maxAbsDiff(actual, ref);
      assert.ok(diff <= 1e-4 * scaleOf, `${name} ${tf} image ${k}: max abs diff ${diff} (scale ${scaleOf})`);
    });
  }
  await session.release();
  return out;
}

describe('face models built from @vladmandic/human agree with TFJS on a real face', () => {
  test('blazeface: scores and regressors of both grids, batch of 2', async () => {
    const [g16, g8] = BLAZEFACE_ONNX.grids;
    const out = await compare('blazeface', BLAZEFACE_TF.input, BLAZEFACE_ONNX.size, 1 / 127.5, -1, [
      [BLAZEFACE_TF.scores16, g16.scores],
      [BLAZEFACE_TF.boxes16, g16.boxes],
      [BLAZEFACE_TF.scores8, g8.scores],
      [BLAZEFACE_TF.boxes8, g8.boxes],
    ]);
    const best = Math.max(...(out[g16.scores].data as Float32Array), ...(out[g8.scores].data as Float32Array));
    assert.ok(best > 0, `a face is found (best logit ${best})`);
  });

  test('faceres: gender and age heads (no descriptor), RGB less the Caffe means in, the graph given the same in BGR, batch of 2', async () => {
    const out = await compare('faceres', FACERES_TF.input, FACERES_ONNX.size, 1, FACERES_ONNX.shift, [
      [FACERES_TF.gender, FACERES_ONNX.gender],
      [FACERES_TF.age, FACERES_ONNX.age],
    ], bgr);
    const male = out[FACERES_ONNX.gender].data as Float32Array;
    assert.ok(male[0] < 0.5 && male[1] < 0.5, `the labelled woman reads female both ways (${male[0]}, ${male[1]})`);
  });
});
