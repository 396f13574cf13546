import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfc from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { convertGraph, type ConvertOptions } from '../src/models/convert.js';
import { encodeModel } from '../src/models/onnx-proto.js';
import { createSession } from '../src/models/telemetry.js';
import { parseTfjsGraph, type TfjsModelJson } from '../src/models/tfjs-graph.js';
import { ffmpeg, vtest } from './footage.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const humanModels = path.join(repoRoot, 'node_modules/@vladmandic/human/models');

export interface Feed {
  data: Float32Array | Int32Array;
  shape: number[];
}
export interface Result {
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
  shape: number[];
}

let backendReady: Promise<boolean> | undefined;

/** Reference: the TFJS graph executor itself, on the CPU backend, fed from memory. */
export async function runTfjs(json: TfjsModelJson, weights: Uint8Array, feeds: Record<string, Feed>, outputs: string[]): Promise<Result[]> {
  backendReady ??= tf.setBackend('cpu');
  await backendReady;
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const model = await tfc.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData,
      format: json.format,
    }),
  });
  const inputs: tf.NamedTensorMap = {};
  for (const [name, f] of Object.entries(feeds)) inputs[name] = tf.tensor(f.data, f.shape, f.data instanceof Int32Array ? 'int32' : 'float32');
  // These graphs have no control flow, so the synchronous executor applies (and executeAsync would warn).
  const raw = model.execute(inputs, outputs);
  const list = Array.isArray(raw) ? raw : [raw];
  const results = await Promise.all(list.map(async (t) => ({ data: (await t.data()) as Result['data'], shape: t.shape })));
  tf.dispose([...list, ...Object.values(inputs)]);
  model.dispose();
  return results;
}

export async function ortSession(bytes: Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  return createSession(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/** Converts the graph with our converter and runs it in onnxruntime. */
export async function runConverted(
  json: TfjsModelJson,
  weights: Uint8Array,
  feeds: Record<string, Feed>,
  outputs: string[],
  options: ConvertOptions = {},
): Promise<Result[]> {
  const model = convertGraph(parseTfjsGraph(json, weights), { outputs, ...options });
  const session = await ortSession(encodeModel(model));
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(f.data instanceof Int32Array ? 'int32' : 'float32', f.data, f.shape);
  const res = await session.run(ortFeeds);
  await session.release();
  return outputs.map((o) => {
    const t = res[options.rename?.[o] ?? o];
    return { data: t.data as Result['data'], shape: [...t.dims] };
  });
}

export function maxAbsDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])));
  return m;
}

/** One decoded frame of the test video (vtest.avi's first 480 frames), scaled by ffmpeg, as rgb24 bytes. */
export function videoFrame(index: number, width: number, height: number): Uint8Array {
  const filter = `select=eq(n\\,${index}),scale=${width}:${height}`;
  const args = ['-v', 'error', '-i', vtest, '-vf', filter, '-vframes', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  return new Uint8Array(execFileSync(ffmpeg, args, { maxBuffer: 1 << 26 }));
}

/** Deterministic pseudo-random numbers, so op tests are reproducible. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function randomArray(n: number, rand: () => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}
