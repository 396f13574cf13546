import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readMotFile } from '../src/metrics/gt.js';
import { matchDetections } from '../src/metrics/detections.js';
import { attr, type OnnxGraph } from '../src/models/onnx-ir.js';
import { encodeModel } from '../src/models/onnx-proto.js';
import { floatTensor } from '../src/models/tensor.js';
import type { Detection } from '../src/vision/types.js';
import { ffmpeg, vtest as VTEST, vtestGt } from './footage.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/pcount-tui.js');
const LIMIT_MS = 25_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  ms: number;
}

function cli(...args: string[]): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'detect', ...args], { cwd: ROOT, timeout: LIMIT_MS }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr, killed: !!e?.killed, ms: Date.now() - t0 });
    });
  });
}

interface DetectionsLine {
  v: number;
  type: string;
  frame: number;
  detections: Detection[];
}

/** Scores detections of one frame against the ground-truth rows of that frame (1-based in gt.txt). */
function scoreFrame(detections: Detection[], gtFrame: number) {
  const rows = readMotFile(vtestGt).filter((r) => r.frame === gtFrame);
  const truth = rows.filter((r) => r.conf !== 0).map((r) => r.box);
  const ignore = rows.filter((r) => r.conf === 0).map((r) => r.box);
  return { truth, ...matchDetections(detections, truth, ignore) };
}

describe('pcount-tui detect on vtest.avi', () => {
  it('finds the people of gt.txt on every 60th frame, in source pixels', async () => {
    const run = await cli(VTEST, '--every', '60', '--max-frames', '8');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as DetectionsLine);
    assert.deepEqual(
      lines.map((l) => l.frame),
      [1, 61, 121, 181, 241, 301, 361, 421],
    );
    let found = 0;
    let people = 0;
    let wrong = 0;
    let detected = 0;
    for (const line of lines) {
      assert.equal(line.v, 1);
      assert.equal(line.type, 'detections');
      for (const d of line.detections) {
        assert.equal(d.label, 'person');
        assert.ok(d.score > 0 && d.score <= 1);
        const [x, y, w, h] = d.box;
        assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 768.05 && y + h <= 576.05, `box ${d.box} outside 768x576`);
        assert.ok(Math.abs(Math.round(x * 10) - x * 10) < 1e-6, 'boxes are rounded to 0.1 px');
      }
      const c = scoreFrame(line.detections, line.frame);
      const { truth } = c;
      assert.ok(c.tp >= Math.ceil(truth.length * 0.6), `frame ${line.frame}: ${c.tp} of ${truth.length} people found`);
      found += c.tp;
      people += truth.length;
      wrong += c.fp;
      detected += line.detections.length;
    }
    assert.ok(people >= 30, `only ${people} GT boxes on these frames`);
    assert.ok(found / people >= 0.8, `recall ${found}/${people}`);
    assert.ok(wrong / detected <= 0.2, `${wrong} of ${detected} detections match nobody`);
  });

  it('reads a still image as frame 1', async () => {
    const still = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-still-')), 'frame-201.jpg');
    execFileSync(ffmpeg, ['-v', 'error', '-i', VTEST, '-vf', 'select=eq(n\\,200)', '-frames:v', '1', '-q:v', '2', still]);
    const run = await cli(still);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as DetectionsLine);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].frame, 1);
    const c = scoreFrame(lines[0].detections, 201);
    assert.ok(c.truth.length >= 4 && c.tp >= Math.ceil(c.truth.length * 0.6), `${c.tp} of the ${c.truth.length} people in the picture found`);
  });

  it('exits quietly when the reader closes stdout', async () => {
    const child = spawn(process.execPath, [BIN, 'detect', VTEST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (s: Buffer) => (stderr += s.toString()));
    const first = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.on('data', (s: Buffer) => {
        buf += s.toString();
        if (buf.includes('\n')) {
          child.stdout.destroy();
          resolve(buf.split('\n')[0]);
        }
      });
    });
    assert.equal((JSON.parse(first) as DetectionsLine).frame, 1);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});

/**
 * A 640x640 model whose output is a constant holding one person (plus 0 × the mean of the input, so the input is
 * really fed): runs the whole yolox / yolov8 path — letterbox in ffmpeg, NCHW input, output pick, decode, mapping back.
 */
function constantModel(file: string, outputName: string, shape: number[], data: Float32Array): void {
  const graph: OnnxGraph = {
    name: 'constant-person',
    nodes: [
      { name: 'mean', opType: 'ReduceMean', inputs: ['images'], outputs: ['m'], attrs: { keepdims: attr.int(0) } },
      { name: 'zero', opType: 'Mul', inputs: ['m', 'zero'], outputs: ['z'], attrs: {} },
      { name: 'out', opType: 'Add', inputs: ['person', 'z'], outputs: [outputName], attrs: {} },
    ],
    initializers: new Map([
      ['person', floatTensor(shape, data)],
      ['zero', floatTensor([1], [0])],
    ]),
    inputs: [{ name: 'images', elemType: 'float32', dims: [1, 3, 640, 640] }],
    outputs: [{ name: outputName, elemType: 'float32', dims: shape }],
  };
  writeFileSync(file, encodeModel({ graph, opset: 14, producerVersion: 'test', docString: '', metadata: {} }));
}

describe('pcount-tui detect with yolox and yolov8 models', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-detect-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const N = 80 * 80 + 40 * 40 + 20 * 20;

  // yolox [1,N,6]: stride-16 cell (20,20), zero offsets → centre (320,320), size exp(ln4)·16 × exp(ln8)·16 = 64x128,
  // score 0.9 × 0.8. Top-left letterbox: 768x576 → 640x480, scale 1.2, no offset.
  const yoloxFile = path.join(tmp, 'yolox.onnx');
  const yx = new Float32Array(N * 6);
  yx.set([0, 0, Math.log(4), Math.log(8), 0.9, 0.8], (6400 + 20 * 40 + 20) * 6);
  constantModel(yoloxFile, 'output', [1, N, 6], yx);

  // yolov8 [1,5,N]: candidate 7 = centre (320,320), 64x128, score 0.9. Centred letterbox: 80 px of padding on top.
  const yolov8File = path.join(tmp, 'yolov8.onnx');
  const y8 = new Float32Array(5 * N);
  [320, 320, 64, 128, 0.9].forEach((v, c) => (y8[c * N + 7] = v));
  constantModel(yolov8File, 'output0', [1, 5, N], y8);

  const cases: [string, string, string[], number[]][] = [
    ['yolox', yoloxFile, ['--model-format', 'yolox'], [345.6, 307.2, 76.8, 153.6]],
    ['yolox (format told from the output shape)', yoloxFile, [], [345.6, 307.2, 76.8, 153.6]],
    ['yolov8', yolov8File, ['--model-format', 'yolov8'], [345.6, 211.2, 76.8, 153.6]],
    ['yolov8 (format told from the output shape)', yolov8File, [], [345.6, 211.2, 76.8, 153.6]],
  ];
  for (const [what, file, extra, box] of cases) {
    it(`maps a ${what} detection back to source pixels`, async () => {
      const run = await cli(VTEST, '--model', file, ...extra, '--max-frames', '2');
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as DetectionsLine);
      assert.deepEqual(
        lines.map((l) => l.frame),
        [1, 2],
      );
      for (const l of lines) {
        assert.equal(l.detections.length, 1);
        assert.deepEqual(l.detections[0].box, box);
        assert.ok(Math.abs(l.detections[0].score - (file === yoloxFile ? 0.72 : 0.9)) < 1e-3);
      }
    });
  }

  it('refuses an --input-size the model does not have', async () => {
    const run = await cli(VTEST, '--model', yolov8File, '--input-size', '320x320', '--max-frames', '1');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--input-size 320x320: this model has a fixed input of 640x640/);
  });
});

describe('pcount-tui detect with bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['/nonexistent/clip.mp4'], /input not found: \/nonexistent\/clip\.mp4/],
    ['a file that is not an image or video', ['package.json'], /could not read package\.json.*Invalid data/],
    ['a corrupt model', [VTEST, '--model', 'package.json'], /cannot load model package\.json/],
    ['a missing model', [VTEST, '--model', 'nope.onnx'], /model file not found: nope\.onnx/],
    ['an unknown format name', [VTEST, '--model-format', 'yolo9000'], /unknown model format "yolo9000"/],
    ['a format that does not fit the model', [VTEST, '--model', 'models/centernet.onnx', '--model-format', 'yolov8'], /does not look like a yolov8 model/],
    ['a size that is not a multiple of 32', [VTEST, '--input-size', '300x200'], /bad --input-size '300x200'/],
    ['a size that is not WxH', [VTEST, '--input-size', 'big'], /bad --input-size 'big'/],
    ['a bad --every', [VTEST, '--every', '0'], /bad --every '0': expected a whole number ≥ 1/],
  ];
  for (const [what, args, message] of cases) {
    it(`names ${what}`, async () => {
      const run = await cli(...args, '--max-frames', '1');
      assert.equal(run.killed, false, `hung for ${run.ms} ms`);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
