import { convertGraph, type ConvertOptions } from './convert.js';
import { ConversionError } from './convert-context.js';
import type { OnnxModel } from './onnx-ir.js';
import type { TfGraph } from './tfjs-graph.js';
import type { ConstTensor } from './tensor.js';

/** TF names in @vladmandic/human's centernet.json (MobileNetV3-CenterNet, COCO). */
export const CENTERNET_TF = {
  input: 'tower_0/images',
  keypoints: 'tower_0/keypoints',
  wh: 'tower_0/wh',
} as const;

/** Names and layouts of the built ONNX model (the contract the detector decodes). */
export const CENTERNET_ONNX = {
  input: 'images',
  heatmap: 'heatmap',
  wh: 'wh',
  /** Output stride: heatmap cell (x, y) is centred at input pixel (4x, 4y). */
  stride: 4,
  /** Every stride-2 layer must see an even size and the ×2 upsamplings must line up. */
  sizeMultiple: 32,
} as const;

/** The TFJS graph's own 512×512 shape, used to work out pads and upsampling factors. */
const REFERENCE_SIZE = 512;

/**
 * Keeps only class 0 (person) of the 80-class classifier: the last 1×1 conv before the heatmap sigmoid gets
 * its first output channel, which makes the heatmap head 80× cheaper and the output one plane.
 */
export function personOnly(graph: TfGraph): TfGraph {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const sigmoid = byName.get(byName.get(CENTERNET_TF.keypoints)?.inputs[0] ?? '');
  const conv = byName.get(sigmoid?.inputs[0] ?? '');
  if (!sigmoid || sigmoid.op !== 'Sigmoid' || !conv || conv.op !== '_FusedConv2D') {
    throw new ConversionError(`centernet: ${CENTERNET_TF.keypoints} is not Sigmoid(_FusedConv2D(...)) as expected`);
  }
  const weights = new Map(graph.weights);
  const w = weights.get(conv.inputs[1]);
  const b = weights.get(conv.inputs[2]);
  if (!w || !b || w.shape.length !== 4 || b.shape.length !== 1) {
    throw new ConversionError(`centernet: classifier ${conv.name} does not have 1×1 weights and a bias`);
  }
  weights.set(conv.inputs[1], firstOutputChannel(w));
  weights.set(conv.inputs[2], firstOutputChannel(b));
  return { ...graph, weights };
}

/** Slice [..., 0:1] of a tensor whose last axis is the output channel. */
function firstOutputChannel(t: ConstTensor): ConstTensor {
  const channels = t.shape[t.shape.length - 1];
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length / channels);
  for (let i = 0; i < out.length; i++) out[i] = src[i * channels];
  return { dtype: 'float32', shape: [...t.shape.slice(0, -1), 1], data: out };
}

export function centernetOptions(): ConvertOptions {
  const { input, heatmap, wh } = CENTERNET_ONNX;
  return {
    outputs: [CENTERNET_TF.keypoints, CENTERNET_TF.wh],
    rename: { [CENTERNET_TF.input]: input, [CENTERNET_TF.keypoints]: heatmap, [CENTERNET_TF.wh]: wh },
    inputShapes: { [CENTERNET_TF.input]: [1, REFERENCE_SIZE, REFERENCE_SIZE, 3] },
    declaredDims: {
      [CENTERNET_TF.input]: [1, 'height', 'width', 3],
      [CENTERNET_TF.keypoints]: [1, 1, 'height_div_4', 'width_div_4'],
      [CENTERNET_TF.wh]: [1, 4, 'height_div_4', 'width_div_4'],
    },
    outputLayout: 'nchw',
    graphName: 'centernet_person',
    docString:
      'MobileNetV3-CenterNet (COCO) from @vladmandic/human, person channel only. Input images [1,H,W,3] RGB 0..255 ' +
      '(H, W multiples of 32); outputs heatmap [1,1,H/4,W/4] sigmoid and wh [1,4,H/4,W/4]; box = ' +
      '[4x-wh0, 4y-wh1, 4x+wh2, 4y+wh3] at peaks (cell >= its 8 neighbours).',
  };
}

export function convertCenternet(graph: TfGraph): OnnxModel {
  return convertGraph(personOnly(graph), centernetOptions());
}
