import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { builtinModel } from '../../src/models/catalog.js';
import { convertGraph } from '../../src/models/convert.js';
import { encodeModel } from '../../src/models/onnx-proto.js';
import { parseTfjsGraph, type TfjsModelJson } from '../../src/models/tfjs-graph.js';
import { humanModels, maxAbsDiff, ortSession, runTfjs, videoFrame, type Result } from '../converter-helpers.js';

const json = JSON.parse(readFileSync(path.join(humanModels, 'centernet.json'), 'utf8')) as TfjsModelJson;
const bin = new Uint8Array(readFileSync(path.join(humanModels, 'centernet.bin')));
const CLASSES = 80;
const THRESHOLD = 0.3;

interface Peak {
  score: number;
  box: [number, number, number, number];
}

/** The model contract's decode: cells ≥ their 8 neighbours, box [4x−wh0, 4y−wh1, 4x+wh2, 4y+wh3]. */
function decode(heat: Float32Array, wh: Float32Array, h: number, w: number): Peak[] {
  const plane = h * w;
  const peaks: Peak[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = heat[y * w + x];
      if (v < THRESHOLD) continue;
      let peak = true;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && heat[yy * w + xx] > v) peak = false;
        }
      }
      if (!peak) continue;
      const i = y * w + x;
      peaks.push({ score: v, box: [4 * x - wh[i], 4 * y - wh[plane + i], 4 * x + wh[2 * plane + i], 4 * y + wh[3 * plane + i]] });
    }
  }
  return peaks.sort((a, b) => b.score - a.score);
}

/** Returns a copy of the weight bytes with one int32 constant replaced (to move the fixed resize sizes). */
function patchInt32(weights: Uint8Array, name: string, values: number[]): Uint8Array {
  const out = weights.slice();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.name === name) {
      new Int32Array(out.buffer, out.byteOffset + offset, n).set(values);
      return out;
    }
    offset += n * (spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : spec.dtype === 'bool' ? 1 : 4);
  }
  throw new Error(`no weight ${name}`);
}

/** A copy of model.json whose input Placeholder accepts another size. */
function withInputShape(shape: number[]): TfjsModelJson {
  const copy = structuredClone(json);
  const input = copy.modelTopology.node.find((n) => n.name === 'tower_0/images')!;
  input.attr!.shape = { shape: { dim: shape.map((size) => ({ size: String(size) })) } };
  return copy;
}

async function runBuilt(session: ort.InferenceSession, rgb: Uint8Array, w: number, h: number): Promise<Record<string, ort.Tensor>> {
  return session.run({ images: new ort.Tensor('float32', Float32Array.from(rgb), [1, h, w, 3]) });
}

describe('centernet converted vs the TFJS graph on vtest.avi frame 400', () => {
  let session: ort.InferenceSession;
  before(async () => {
    session = await ortSession(await builtinModel('centernet').build(humanModels), 2);
  });

  test("the tests' own sessions switch onnxruntime's telemetry off, as the product's do", () => {
    assert.equal(process.env.ORT_DISABLE_TELEMETRY, '1');
  });

  test('512x512: heatmap within 1e-3 and decoded boxes match tower_0/detections', async (t) => {
    const rgb = videoFrame(400, 512, 512);
    const [keypoints, whRef, detections] = await runTfjs(json, bin, { 'tower_0/images': { data: Float32Array.from(rgb), shape: [1, 512, 512, 3] } }, [
      'tower_0/keypoints',
      'tower_0/wh',
      'tower_0/detections',
    ]);
    const out = await runBuilt(session, rgb, 512, 512);
    assert.deepEqual(out.heatmap.dims, [1, 1, 128, 128]);
    assert.deepEqual(out.wh.dims, [1, 4, 128, 128]);
    const heat = out.heatmap.data as Float32Array;
    const wh = out.wh.data as Float32Array;

    const personRef = Float32Array.from({ length: 128 * 128 }, (_, i) => Number(keypoints.data[i * CLASSES]));
    const heatDiff = maxAbsDiff(heat, personRef);
    t.diagnostic(`heatmap max abs diff vs TFJS: ${heatDiff.toExponential(2)}`);
    assert.ok(heatDiff <= 1e-3, `heatmap max abs diff ${heatDiff}`);
    const whNchw = Float32Array.from({ length: 4 * 128 * 128 }, (_, j) => Number(whRef.data[(j % (128 * 128)) * 4 + Math.floor(j / (128 * 128))]));
    assert.ok(maxAbsDiff(wh, whNchw) <= 1e-2, `wh max abs diff ${maxAbsDiff(wh, whNchw)} px`);

    const expected = graphPersons(detections);
    const peaks = decode(heat, wh, 128, 128);
    assert.ok(expected.length >= 3, `the TFJS graph itself finds ${expected.length} people`);
    assert.equal(peaks.length, expected.length, 'same number of person detections above the threshold');
    expected.forEach((e, k) => {
      assert.ok(Math.abs(peaks[k].score - e.score) <= 1e-3, `score ${peaks[k].score} vs ${e.score}`);
      assert.ok(maxAbsDiff(peaks[k].box, e.box) <= 0.05, `box ${peaks[k].box.join(',')} vs ${e.box.join(',')}`);
    });

    // The whole graph, post-processing ops included, converted as-is (80 classes, fixed 512x512).
    const full = await ortSession(encodeModel(convertGraph(parseTfjsGraph(json, bin))), 2);
    const fullOut = await full.run({ 'tower_0/images': new ort.Tensor('float32', Float32Array.from(rgb), [1, 512, 512, 3]) });
    await full.release();
    const rows = fullOut['tower_0/detections'];
    assert.deepEqual(rows.dims, [1, 100, 6]);
    const confident = (d: ArrayLike<number>) => Array.from({ length: 100 }, (_, r) => Array.from({ length: 6 }, (_, k) => Number(d[r * 6 + k]))).filter((row) => row[4] >= 0.1);
    const mine = confident(rows.data as Float32Array);
    const theirs = confident(detections.data as Float32Array);
    assert.equal(mine.length, theirs.length);
    mine.forEach((row, r) => assert.ok(maxAbsDiff(row, theirs[r]) <= 0.05, `row ${r}: ${row.join(',')} vs ${theirs[r].join(',')}`));
  });

  test('a free input size (256x192) matches the TFJS graph with its resize sizes moved to match', async () => {
    const [w, h] = [256, 192];
    const rgb = videoFrame(400, w, h);
    let weights = patchInt32(bin, 'tower_0/CenternetHead/c5_upsample/up_sampling2d/mul', [h / 16, w / 16]);
    weights = patchInt32(weights, 'tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul', [h / 8, w / 8]);
    weights = patchInt32(weights, 'tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul', [h / 4, w / 4]);
    const [keypoints] = await runTfjs(withInputShape([1, h, w, 3]), weights, { 'tower_0/images': { data: Float32Array.from(rgb), shape: [1, h, w, 3] } }, ['tower_0/keypoints']);
    const out = await runBuilt(session, rgb, w, h);
    assert.deepEqual(out.heatmap.dims, [1, 1, h / 4, w / 4]);
    const personRef = Float32Array.from({ length: (h / 4) * (w / 4) }, (_, i) => Number(keypoints.data[i * CLASSES]));
    assert.ok(maxAbsDiff(out.heatmap.data as Float32Array, personRef) <= 1e-3);
  });
});

/** Rows [x1, y1, x2, y2, score, class] of the graph's own decode, persons above the threshold. */
function graphPersons(detections: Result): Peak[] {
  const rows: Peak[] = [];
  const d = detections.data;
  for (let r = 0; r < detections.shape[1]; r++) {
    const row = Array.from({ length: 6 }, (_, k) => Number(d[r * 6 + k]));
    if (row[5] === 0 && row[4] >= THRESHOLD) rows.push({ score: row[4], box: [row[0], row[1], row[2], row[3]] });
  }
  return rows.sort((a, b) => b.score - a.score);
}
