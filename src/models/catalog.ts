import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CENTERNET_ONNX, convertCenternet } from './centernet.js';
import { ModelError } from './errors.js';
import { encodeModel } from './onnx-proto.js';
import { parseTfjsGraph, type TfjsModelJson } from './tfjs-graph.js';

/** Built-in models: built at install time from weights shipped inside npm packages, never downloaded. */
export interface BuiltinModelSpec {
  name: string;
  format: 'centernet';
  file: string;
  description: string;
  /** Files read from the source npm package's models folder; their sha256 is recorded to spot upgrades. */
  sources: string[];
  input: { name: string; layout: 'NHWC'; channels: 'RGB'; range: [number, number]; sizeMultiple: number };
  outputs: { heatmap: string; wh: string; layout: 'NCHW'; stride: number };
  build(sourceDir: string): Promise<Uint8Array>;
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
    async build(sourceDir) {
      const json = JSON.parse(await readFile(path.join(sourceDir, 'centernet.json'), 'utf8')) as TfjsModelJson;
      const weights = await readFile(path.join(sourceDir, 'centernet.bin'));
      return encodeModel(convertCenternet(parseTfjsGraph(json, weights, 'centernet.json')));
    },
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
