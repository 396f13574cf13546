import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CENTERNET_ONNX, convertCenternet } from './centernet.js';
import { ModelError } from './errors.js';
import { BLAZEFACE_ONNX, convertBlazeface, convertFaceres, FACERES_ONNX } from './faces.js';
import type { OnnxModel } from './onnx-ir.js';
import { encodeModel } from './onnx-proto.js';
import { parseTfjsGraph, type TfGraph, type TfjsModelJson } from './tfjs-graph.js';

/** Built-in models: built at install time from weights shipped inside npm packages, never downloaded. */
export interface BuiltinModelSpec {
  name: string;
  format: 'centernet' | 'blazeface' | 'faceres';
  file: string;
  description: string;
  /** Files read from the source npm package's models folder; their sha256 is recorded to spot upgrades. */
  sources: string[];
  /** Free H×W in multiples of `sizeMultiple`, or a fixed `size`×`size`; the batch dimension is free where noted. */
  input: { name: string; layout: 'NHWC'; channels: 'RGB'; range: [number, number]; sizeMultiple?: number; size?: number; batch?: boolean };
  /** Output names by role (and, for centernet, their layout and stride). */
  outputs: Record<string, string | number>;
  build(sourceDir: string): Promise<Uint8Array>;
}

/** Reads `<base>.json` and `<base>.bin` of a TFJS graph model and converts them to ONNX bytes. */
async function convertTfjs(sourceDir: string, base: string, convert: (g: TfGraph) => OnnxModel): Promise<Uint8Array> {
  const json = JSON.parse(await readFile(path.join(sourceDir, `${base}.json`), 'utf8')) as TfjsModelJson;
  const weights = await readFile(path.join(sourceDir, `${base}.bin`));
  return encodeModel(convert(parseTfjsGraph(json, weights, `${base}.json`)));
}

export const BUILTIN_MODELS: readonly BuiltinModelSpec[] = [
  {
    name: 'centernet',
    format: 'centernet',
    file: 'centernet.onnx',
    description: 'MobileNetV3-CenterNet (COCO, MIT, from @vladmandic/human), person channel only',
    sources: ['centernet.json', 'centernet.bin'],
    input: { name: CENTERNET_ONNX.input, layout: 'NHWC', channels: 'RGB', range: [0, 255], sizeMultiple: CENTERNET_ONNX.sizeMultiple },
    outputs: { heatmap: CENTERNET_ONNX.heatmap, wh: CENTERNET_ONNX.wh, layout: 'NCHW', stride: CENTERNET_ONNX.stride },
    build: (sourceDir) => convertTfjs(sourceDir, 'centernet', convertCenternet),
  },
  {
    name: 'blazeface',
    format: 'blazeface',
    file: 'blazeface.onnx',
    description: 'BlazeFace short-range face detector (MIT, from @vladmandic/human), batched, for demographics',
    sources: ['blazeface.json', 'blazeface.bin'],
    input: { name: BLAZEFACE_ONNX.input, layout: 'NHWC', channels: 'RGB', range: [-1, 1], size: BLAZEFACE_ONNX.size, batch: true },
    outputs: Object.fromEntries(BLAZEFACE_ONNX.grids.flatMap((g) => [[`scores${g.stride}`, g.scores], [`boxes${g.stride}`, g.boxes]])),
    build: (sourceDir) => convertTfjs(sourceDir, 'blazeface', convertBlazeface),
  },
  {
    name: 'faceres',
    format: 'faceres',
    file: 'faceres.onnx',
    description: 'HSE-FaceRes gender and age heads (MIT, from @vladmandic/human), no descriptor, batched, RGB less the Caffe means, for demographics',
    sources: ['faceres.json', 'faceres.bin'],
    input: { name: FACERES_ONNX.input, layout: 'NHWC', channels: 'RGB', range: [FACERES_ONNX.shift[0], 255 + FACERES_ONNX.shift[2]], size: FACERES_ONNX.size, batch: true },
    outputs: { gender: FACERES_ONNX.gender, age: FACERES_ONNX.age },
    build: (sourceDir) => convertTfjs(sourceDir, 'faceres', convertFaceres),
  },
];

export function builtinModel(name: string): BuiltinModelSpec {
  const spec = BUILTIN_MODELS.find((m) => m.name === name);
  if (!spec) {
    const known = BUILTIN_MODELS.map((m) => m.name).join(', ');
    throw new ModelError('MODEL_UNKNOWN', `unknown built-in model "${name}" (known: ${known})`);
  }
  return spec;
}

/** The models folder of @vladmandic/human, located through Node's own resolution. */
export function humanModelsDir(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('@vladmandic/human');
  } catch {
    throw new ModelError(
      'MODEL_MISSING',
      'the npm package @vladmandic/human (source of the built-in model weights) is not installed; run "npm install"',
    );
  }
  return path.resolve(path.dirname(entry), '..', 'models');
}
