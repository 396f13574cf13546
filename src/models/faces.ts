import { convertGraph, type ConvertOptions } from './convert.js';
import { ConversionError } from './convert-context.js';
import type { OnnxModel } from './onnx-ir.js';
import { floatTensor } from './tensor.js';
import type { TfGraph } from './tfjs-graph.js';

/**
 * The face models of @vladmandic/human (MIT): BlazeFace (short range, 256×256) finds faces, HSE-FaceRes tells gender
 * and age. Both are built with a free batch dimension so that several faces go through one `session.run`.
 */

/** TF names in human's blazeface.json: scores and box regressors of the 16×16 (2 anchors) and 8×8 (6) grids. */
export const BLAZEFACE_TF = {
  input: 'input',
  scores16: 'Identity',
  boxes16: 'Identity_2',
  scores8: 'Identity_1',
  boxes8: 'Identity_3',
} as const;

/** Names and layout of the built ONNX BlazeFace (the contract src/faces/blazeface.ts decodes). */
export const BLAZEFACE_ONNX = {
  input: 'images',
  size: 256,
  /** Per grid: output names, stride in input pixels, anchors per cell. */
  grids: [
    { scores: 'scores_16', boxes: 'boxes_16', stride: 16, anchors: 2 },
    { scores: 'scores_8', boxes: 'boxes_8', stride: 32, anchors: 6 },
  ],
} as const;

/** TF names in human's faceres.json. The 1024-wide descriptor (`global_pooling/Mean`) is deliberately not built. */
export const FACERES_TF = { input: 'input_1', gender: 'gender_pred/Sigmoid', age: 'age_pred/Softmax' } as const;

/**
 * HSE-FaceRes was trained on Caffe-style input: BGR, 0..255 less the ImageNet channel means (Keras'
 * `preprocess_input`); its TFJS graph has no such step and human feeds it plain RGB 0..255. Measured on the
 * development chips (cross-validated calibration), the Caffe input lifts gender from 0.894 to 0.92 and lowers the age
 * error. The built graph takes RGB (the BGR order is folded into its first conv); the means are subtracted by the
 * caller's crop (free there, where an elementwise Sub in the graph cost about 2 ms per image).
 */
export const FACERES_CAFFE_MEANS_RGB = [123.68, 116.779, 103.939] as const;

export const FACERES_ONNX = {
  input: 'images',
  size: 224,
  /** Subtract these from RGB 0..255 (see FACERES_CAFFE_MEANS_RGB). */
  shift: FACERES_CAFFE_MEANS_RGB.map((m) => -m) as unknown as readonly [number, number, number],
  gender: 'gender',
  age: 'age',
  ageBins: 100,
} as const;

/**
 * BlazeFace reshapes its heads to `[1, anchors, k]` with constant shapes; a leading −1 lets the batch through.
 * Every Reshape's shape constant is checked to start with 1, so an unexpected graph fails loudly.
 */
export function batchReshapes(graph: TfGraph): TfGraph {
  const weights = new Map(graph.weights);
  for (const node of graph.nodes.filter((n) => n.op === 'Reshape')) {
    const shape = weights.get(node.inputs[1]);
    if (!shape || shape.dtype !== 'int32' || shape.data[0] !== 1) {
      throw new ConversionError(`blazeface: reshape ${node.name} does not have a constant shape starting with 1`);
    }
    const data = Int32Array.from(shape.data as Int32Array);
    data[0] = -1;
    weights.set(node.inputs[1], { ...shape, data });
  }
  return { ...graph, weights };
}

export function blazefaceOptions(): ConvertOptions {
  const t = BLAZEFACE_TF;
  const [g16, g8] = BLAZEFACE_ONNX.grids;
  const n16 = (BLAZEFACE_ONNX.size / g16.stride) ** 2 * g16.anchors;
  const n8 = (BLAZEFACE_ONNX.size / g8.stride) ** 2 * g8.anchors;
  return {
    outputs: [t.scores16, t.boxes16, t.scores8, t.boxes8],
    rename: { [t.input]: BLAZEFACE_ONNX.input, [t.scores16]: g16.scores, [t.boxes16]: g16.boxes, [t.scores8]: g8.scores, [t.boxes8]: g8.boxes },
    inputShapes: { [t.input]: [null, BLAZEFACE_ONNX.size, BLAZEFACE_ONNX.size, 3] },
    declaredDims: {
      [t.input]: ['batch', BLAZEFACE_ONNX.size, BLAZEFACE_ONNX.size, 3],
      [t.scores16]: ['batch', n16, 1],
      [t.boxes16]: ['batch', n16, 16],
      [t.scores8]: ['batch', n8, 1],
      [t.boxes8]: ['batch', n8, 16],
    },
    graphName: 'blazeface',
    docString:
      'BlazeFace short-range face detector from @vladmandic/human. Input images [N,256,256,3] RGB scaled to -1..1; ' +
      'outputs per anchor a score logit and 16 regressors (box centre offset x,y, size w,h, 6 keypoints) in input pixels ' +
      'relative to the anchor centre; anchors: 16×16 grid × 2, then 8×8 grid × 6.',
  };
}

export function faceresOptions(): ConvertOptions {
  const t = FACERES_TF;
  const o = FACERES_ONNX;
  return {
    outputs: [t.gender, t.age],
    rename: { [t.input]: o.input, [t.gender]: o.gender, [t.age]: o.age },
    declaredDims: { [t.input]: ['batch', o.size, o.size, 3], [t.gender]: ['batch', 1], [t.age]: ['batch', o.ageBins] },
    graphName: 'faceres_gender_age',
    docString:
      'HSE-FaceRes from @vladmandic/human, gender and age heads only (no descriptor). Input images [N,224,224,3] RGB ' +
      '0..255 less the Caffe channel means (R 123.68, G 116.779, B 103.939); outputs gender [N,1] (probability of male) and age [N,100] (softmax over 0..99 years).',
  };
}

export function convertBlazeface(graph: TfGraph): OnnxModel {
  return convertGraph(batchReshapes(graph), blazefaceOptions());
}

export function convertFaceres(graph: TfGraph): OnnxModel {
  return convertGraph(bgrInput(graph, FACERES_TF.input), faceresOptions());
}

/**
 * Lets the graph take RGB where it was trained on BGR: the first conv's input channels are reversed (an exact
 * reordering of its sums, at no cost when it runs).
 */
export function bgrInput(graph: TfGraph, input: string): TfGraph {
  const consumers = graph.nodes.filter((n) => n.inputs.includes(input));
  const conv = consumers[0];
  const kernel = conv && graph.weights.get(conv.inputs[1]);
  if (consumers.length !== 1 || conv.op !== 'Conv2D' || conv.inputs[0] !== input || !kernel || kernel.dtype !== 'float32' || kernel.shape[2] !== 3) {
    throw new ConversionError(`${input}: expected to feed one Conv2D with a constant [kh, kw, 3, out] kernel`);
  }
  const [kh, kw, , out] = kernel.shape;
  const from = kernel.data as Float32Array;
  const reversed = new Float32Array(from.length);
  for (let p = 0; p < kh * kw; p++) {
    for (let c = 0; c < 3; c++) reversed.set(from.subarray((p * 3 + 2 - c) * out, (p * 3 + 3 - c) * out), (p * 3 + c) * out);
  }
  const weights = new Map(graph.weights);
  weights.set(conv.inputs[1], floatTensor([...kernel.shape], reversed));
  return { ...graph, weights };
}
