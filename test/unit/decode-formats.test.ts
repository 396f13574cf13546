import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchDetections, precisionRecall } from '../../src/metrics/detections.js';
import { centernet, decodeCenternet, preprocessCenternet } from '../../src/vision/formats/centernet.js';
import { decodeYolov8, preprocessYolov8 } from '../../src/vision/formats/yolov8.js';
import { decodeYolox, preprocessYolox, yolox } from '../../src/vision/formats/yolox.js';
import { inputCornersToSourceBox, letterbox, type Letterbox } from '../../src/vision/letterbox.js';
import { nms } from '../../src/vision/nms.js';
import type { Box, Detection } from '../../src/vision/types.js';
import { chooseInputSize, parseInputSize } from '../../src/worker/input-size.js';

function assertBox(actual: Box, expected: Box, tol = 1e-4): void {
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `box ${actual} != ${expected}`);
}

const det = (box: Box, score: number): Detection => ({ box, score, label: 'person' });

/** The inverse of inputCornersToSourceBox: a source-pixel box in model-input pixels. */
function sourceBoxToInput(g: Letterbox, b: Box): Box {
  const sx = g.scaledWidth / g.srcWidth;
  const sy = g.scaledHeight / g.srcHeight;
  return [b[0] * sx + g.padX, b[1] * sy + g.padY, b[2] * sx, b[3] * sy];
}

describe('letterbox', () => {
  it('fits a 4:3 source into a 4:3 input without padding', () => {
    const g = letterbox(768, 576, 384, 288, 'top-left');
    assert.deepEqual([g.scaledWidth, g.scaledHeight, g.padX, g.padY], [384, 288, 0, 0]);
    assertBox(inputCornersToSourceBox(g, 10, 20, 30, 60)!, [20, 40, 40, 80]);
  });

  it('centres a 16:9 source in a square input and maps boxes back through the padding', () => {
    const g = letterbox(1920, 1080, 640, 640, 'center');
    assert.deepEqual([g.scaledWidth, g.scaledHeight, g.padX, g.padY], [640, 360, 0, 140]);
    assertBox(inputCornersToSourceBox(g, 100, 176, 200, 212)!, [300, 108, 300, 108]);
    const topLeft = letterbox(1920, 1080, 640, 640, 'top-left');
    assert.equal(topLeft.padY, 0);
    assertBox(inputCornersToSourceBox(topLeft, 100, 36, 200, 72)!, [300, 108, 300, 108]);
  });

  it('clips boxes to the source frame and drops boxes that lie in the padding only', () => {
    const g = letterbox(1920, 1080, 640, 640, 'center');
    assertBox(inputCornersToSourceBox(g, -10, 100, 50, 160)!, [0, 0, 150, 60]);
    assert.equal(inputCornersToSourceBox(g, 10, 10, 50, 130), null);
  });

  it('maps source boxes to input boxes and back', () => {
    const g = letterbox(1280, 720, 512, 384, 'center');
    const b: Box = [400, 300, 80, 200];
    const i = sourceBoxToInput(g, b);
    assertBox(inputCornersToSourceBox(g, i[0], i[1], i[0] + i[2], i[1] + i[3])!, b);
  });

  it('rejects sizes that are not positive integers', () => {
    assert.throws(() => letterbox(0, 576, 384, 288, 'center'), /source width/);
    assert.throws(() => letterbox(768, 576, 384.5, 288, 'center'), /input width/);
  });
});

describe('nms', () => {
  it('drops a lower-scored box overlapping a better one and keeps disjoint boxes, best first', () => {
    const a = det([0, 0, 10, 10], 0.9);
    const b = det([1, 1, 10, 10], 0.8); // IoU with a = 81/119 ≈ 0.68
    const c = det([50, 50, 10, 10], 0.7);
    assert.deepEqual(nms([c, b, a], 0.45), [a, c]);
    assert.deepEqual(nms([c, b, a], 0.7), [a, b, c]);
  });

  it('lets a suppressed box suppress nothing', () => {
    const a = det([0, 0, 10, 10], 0.9);
    const b = det([3, 0, 10, 10], 0.8); // overlaps a (IoU 0.54) and c (IoU 0.54)
    const c = det([6, 0, 10, 10], 0.7); // overlaps a only by IoU 0.25
    assert.deepEqual(nms([a, b, c], 0.5), [a, c]);
  });
});

describe('centernet', () => {
  // Input 20x16 (heatmap 5x4 at stride 4), source 40x32: source pixels = 2 × input pixels.
  const g = letterbox(40, 32, 20, 16, 'top-left');
  const W = 5;
  const H = 4;
  const plane = W * H;

  function tensors(channels: number) {
    const heat = new Float32Array(channels * plane);
    const wh = new Float32Array(4 * plane);
    const put = (x: number, y: number, v: number, sizes: number[]) => {
      heat[y * W + x] = v;
      sizes.forEach((s, k) => (wh[k * plane + y * W + x] = s));
    };
    return { heat, wh, put };
  }

  it('finds peaks at or above the threshold and builds boxes from the 4 distances', () => {
    const { heat, wh, put } = tensors(1);
    put(2, 2, 0.8, [4, 6, 2, 5]); // input box [4, 2, 10, 13]
    put(3, 2, 0.6, [1, 1, 1, 1]); // neighbour of a higher cell: not a peak
    put(4, 0, 0.5, [2, 2, 2, 2]); // corner peak: input [14, -2, 18, 2]
    put(0, 3, 0.2, [1, 1, 1, 1]); // peak below threshold
    const dets = decodeCenternet({ data: heat, dims: [1, 1, H, W] }, { data: wh, dims: [1, 4, H, W] }, g, 0.3);
    assert.equal(dets.length, 2);
    assert.equal(dets[0].score, heat[2 * W + 2]);
    assertBox(dets[0].box, [8, 4, 12, 22]);
    assertBox(dets[1].box, [28, 0, 8, 4]);
    assert.equal(decodeCenternet({ data: heat, dims: [1, 1, H, W] }, { data: wh, dims: [1, 4, H, W] }, g, 0.55).length, 1);
  });

  it('reads only the person channel of an 80-class style heatmap', () => {
    const { heat, wh, put } = tensors(2);
    put(1, 1, 0.7, [2, 2, 2, 2]);
    heat[plane + 3 * W + 3] = 0.99; // class 1 only
    const dets = decodeCenternet({ data: heat, dims: [1, 2, H, W] }, { data: wh, dims: [1, 4, H, W] }, g, 0.3);
    assert.equal(dets.length, 1);
    assertBox(dets[0].box, [4, 4, 8, 8]);
  });

  it('rejects a size tensor that does not match the heatmap', () => {
    const { heat, wh } = tensors(1);
    assert.throws(
      () => decodeCenternet({ data: heat, dims: [1, 1, H, W] }, { data: wh, dims: [1, 4, H + 1, W] }, g, 0.3),
      /centernet wh: expected \[1,4,4,5\]/,
    );
  });

  it('feeds rgb24 bytes straight in as NHWC floats', () => {
    const out = new Float32Array(6);
    preprocessCenternet(new Uint8Array([1, 2, 3, 250, 5, 6]), 2, 1, out);
    assert.deepEqual([...out], [1, 2, 3, 250, 5, 6]);
    assert.equal(centernet.layout, 'nhwc');
  });
});

describe('yolox', () => {
  // Input 64x32: grids 8x4 (stride 8), 4x2 (16), 2x1 (32) = 42 rows of 5 + 2 classes. Source 128x64.
  const g = letterbox(128, 64, 64, 32, 'top-left');
  const K = 7;
  const N = 42;

  function output() {
    const data = new Float32Array(N * K);
    const put = (row: number, vals: number[]) => vals.forEach((v, i) => (data[row * K + i] = v));
    return { data, put };
  }

  it('decodes offsets, log sizes, objectness × person score on the stride grids, then NMS', () => {
    const { data, put } = output();
    // stride 16, cell (1,1) = row 32 + 1·4 + 1: centre (24, 24), size 32x16 → input [8,16,40,32] → source ×2.
    put(37, [0.5, 0.5, Math.log(2), Math.log(1), 0.9, 0.8, 0.1]);
    // stride 8, cell (3,2) = row 2·8 + 3: centre (28, 24), size 32x16, score 0.6: overlaps the first → suppressed.
    put(19, [0.5, 1, Math.log(4), Math.log(2), 0.75, 0.8, 0]);
    put(0, [0.5, 0.5, 0, 0, 0.9, 0.05, 0.99]); // another class
    put(41, [0.5, 0.5, 0, 0, 0.9, 0.3, 0]); // 0.27 below threshold
    const dets = decodeYolox({ data, dims: [1, N, K] }, g, 0.3);
    assert.equal(dets.length, 1);
    assert.ok(Math.abs(dets[0].score - 0.72) < 1e-6);
    assertBox(dets[0].box, [16, 32, 64, 32]);
    assert.equal(decodeYolox({ data, dims: [1, N, K] }, g, 0.25).length, 2);
  });

  it('rejects an output whose row count does not match the input grids', () => {
    const { data } = output();
    assert.throws(() => decodeYolox({ data, dims: [1, N - 1, K] }, g, 0.3), /41 rows do not match input 64x32 \(expected 42/);
  });

  it('feeds BGR 0..255 planes and pads with 114 at the top-left', () => {
    const out = new Float32Array(6);
    preprocessYolox(new Uint8Array([10, 20, 30, 40, 50, 60]), 2, 1, out);
    assert.deepEqual([...out], [30, 60, 20, 50, 10, 40]);
    assert.equal(yolox.padValue, 114);
    assert.equal(yolox.padAlign, 'top-left');
  });
});

describe('yolov8', () => {
  const g = letterbox(1920, 1080, 640, 640, 'center');

  it('decodes channel-major cx,cy,w,h + class scores through the centred letterbox, then NMS', () => {
    const n = 3;
    const rows = [
      [320, 320, 64, 36, 0.9, 0.0],
      [321, 320, 64, 36, 0.8, 0.0], // near-duplicate → suppressed
      [100, 300, 10, 10, 0.1, 0.95], // another class
    ];
    const data = new Float32Array(6 * n);
    rows.forEach((r, i) => r.forEach((v, c) => (data[c * n + i] = v)));
    const dets = decodeYolov8({ data, dims: [1, 6, n] }, g, 0.25);
    assert.equal(dets.length, 1);
    assert.ok(Math.abs(dets[0].score - 0.9) < 1e-6);
    assertBox(dets[0].box, [864, 486, 192, 108]);
  });

  it('feeds RGB planes scaled to 0..1', () => {
    const out = new Float32Array(6);
    preprocessYolov8(new Uint8Array([10, 20, 30, 40, 50, 255]), 2, 1, out);
    const want = [10, 40, 20, 50, 30, 255].map((v) => v / 255);
    out.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7));
  });
});

describe('input size', () => {
  it('parses WxH and names a bad value', () => {
    assert.deepEqual(parseInputSize('384x288'), { width: 384, height: 288 });
    assert.throws(() => parseInputSize('384'), (e: Error & { code?: string }) => e.code === 'BAD_INPUT_SIZE' && /"384"/.test(e.message));
    assert.throws(() => parseInputSize('380x288'), /380x288: width and height must be multiples of 32/);
  });

  it('picks a centernet size with the source aspect, and honours fixed model sizes', () => {
    const free = { width: null, height: null };
    assert.deepEqual(chooseInputSize(centernet, free, undefined, 768, 576), { width: 384, height: 288 });
    assert.deepEqual(chooseInputSize(centernet, free, undefined, 1920, 1080), { width: 384, height: 224 });
    assert.deepEqual(chooseInputSize(centernet, free, undefined, 576, 768), { width: 288, height: 384 });
    assert.deepEqual(chooseInputSize(yolox, { width: 640, height: 640 }, undefined), { width: 640, height: 640 });
    assert.throws(() => chooseInputSize(yolox, { width: 640, height: 640 }, { width: 320, height: 320 }), /fixed input of 640x640/);
  });
});

describe('detection matching for bench:detect', () => {
  it('counts hits, misses, false positives, and neither on ignore regions', () => {
    const truth: Box[] = [
      [0, 0, 10, 20],
      [100, 0, 10, 20],
    ];
    const ignore: Box[] = [[200, 0, 40, 40]];
    const dets = [
      det([1, 1, 10, 20], 0.9), // hit on truth 0
      det([0, 0, 10, 20], 0.5), // duplicate of truth 0: false positive
      det([210, 10, 10, 10], 0.8), // inside the ignore region
      det([300, 0, 10, 20], 0.7), // nothing there
    ];
    const c = matchDetections(dets, truth, ignore);
    assert.deepEqual(c, { tp: 1, fp: 2, fn: 1, ignored: 1 });
    assert.deepEqual(precisionRecall(c), { precision: 1 / 3, recall: 0.5 });
  });

  it('gives a GT box to the best-scoring detection, and needs IoU 0.5', () => {
    const truth: Box[] = [[0, 0, 10, 10]];
    const c = matchDetections([det([0, 0, 10, 10], 0.4), det([0, 0, 10, 14], 0.9)], truth, []);
    assert.deepEqual(c, { tp: 1, fp: 1, fn: 0, ignored: 0 });
    assert.deepEqual(matchDetections([det([5, 0, 10, 10], 0.9)], truth, []), { tp: 0, fp: 1, fn: 1, ignored: 0 });
  });
});
