import { ConversionError, ConvertContext, type Shape, type TensorRef } from './convert-context.js';
import { removeDeadNodes, renameValue, type ElemType, type OnnxModel } from './onnx-ir.js';
import { optimizeGraph } from './optimize.js';
import { opHandler } from './ops/index.js';
import type { TfGraph, TfNode } from './tfjs-graph.js';

export const CONVERTER_VERSION = '1.0.0';
export const OPSET = 14;

export interface ConvertOptions {
  /** TF tensors to expose (`node` or `node:k`); default: the signature outputs. */
  outputs?: string[];
  /** ONNX names for graph inputs and outputs, keyed by TF name. */
  rename?: Record<string, string>;
  /** Shape used for inference (pads, resize factors) instead of the Placeholder's own. */
  inputShapes?: Record<string, Shape>;
  /** Dims declared on ONNX inputs/outputs (strings are symbolic), keyed by TF name. */
  declaredDims?: Record<string, (number | string)[]>;
  /** Layout of rank-4 outputs: `nhwc` matches TF, `nchw` skips the final transpose. */
  outputLayout?: 'nhwc' | 'nchw';
  optimize?: boolean;
  graphName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

const TF_TYPES: Record<string, ElemType> = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_INT64: 'int64', DT_BOOL: 'bool' };

export function convertGraph(tf: TfGraph, options: ConvertOptions = {}): OnnxModel {
  const outputs = options.outputs ?? tf.signatureOutputs;
  if (outputs.length === 0) throw new ConversionError('no outputs: the model has no signature, pass outputs explicitly');
  const ctx = new ConvertContext(tf);
  ctx.graph.name = options.graphName ?? 'graph';
  for (const node of reachableInOrder(tf, outputs)) {
    if (node.op === 'Const') defineConst(ctx, node);
    else if (node.op === 'Placeholder') defineInput(ctx, node, options);
    else {
      const handler = opHandler(node.op);
      if (!handler) throw new ConversionError(`unsupported op ${node.op} at node ${node.name}`);
      handler(ctx, node);
    }
  }
  for (const name of outputs) exposeOutput(ctx, name, options);
  if (options.optimize !== false) optimizeGraph(ctx.graph);
  removeDeadNodes(ctx.graph);
  return {
    graph: ctx.graph,
    opset: OPSET,
    producerVersion: CONVERTER_VERSION,
    docString: options.docString ?? '',
    metadata: options.metadata ?? {},
  };
}

/** Nodes the outputs depend on, producers first, in a stable order. */
function reachableInOrder(tf: TfGraph, outputs: string[]): TfNode[] {
  const byName = new Map(tf.nodes.map((n) => [n.name, n]));
  const order: TfNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: { node: TfNode; next: number }[] = [];
  const push = (tensor: string, from: string): void => {
    const name = tensor.replace(/:\d+$/, '');
    const node = byName.get(name);
    if (!node) throw new ConversionError(`tensor ${tensor} (needed by ${from}) is not in the graph`);
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'open') throw new ConversionError(`the graph has a cycle through node ${name}`);
    state.set(name, 'open');
    stack.push({ node, next: 0 });
  };
  for (const out of outputs) {
    push(out, 'the requested outputs');
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) push(top.node.inputs[top.next++], top.node.name);
      else {
        stack.pop();
        state.set(top.node.name, 'done');
        order.push(top.node);
      }
    }
  }
  return order;
}

function defineConst(ctx: ConvertContext, node: TfNode): void {
  const value = ctx.tf.weights.get(node.name);
  if (!value) ctx.fail(node, 'constant has no entry in the weights manifest');
  ctx.define(node.name, { layout: 'plain', shape: value.shape, dtype: value.dtype, value });
}

function defineInput(ctx: ConvertContext, node: TfNode, options: ConvertOptions): void {
  const shapeAttr = node.attrs.shape;
  const own: Shape = shapeAttr?.kind === 'shape' && shapeAttr.value ? shapeAttr.value.map((d) => (d < 0 ? null : d)) : [];
  const shape: Shape = options.inputShapes?.[node.name] ?? own;
  const dtypeAttr = node.attrs.dtype;
  const dtype = TF_TYPES[dtypeAttr?.kind === 'type' ? dtypeAttr.value : 'DT_FLOAT'];
  if (!dtype) ctx.fail(node, 'input dtype is not supported');
  const name = options.rename?.[node.name] ?? node.name;
  ctx.graph.inputs.push({ name, elemType: dtype, dims: declared(options, node.name, shape, name) });
  ctx.define(node.name, { onnx: name, layout: 'plain', shape, dtype });
}

function declared(options: ConvertOptions, tfName: string, shape: Shape, onnxName: string): (number | string)[] {
  return options.declaredDims?.[tfName] ?? shape.map((d, i) => d ?? `${onnxName}_${i}`);
}

function exposeOutput(ctx: ConvertContext, tfName: string, options: ConvertOptions): void {
  const ref: TensorRef = ctx.ref(tfName.replace(/:0$/, ''));
  const wantNchw = ref.layout === 'nchw' && options.outputLayout === 'nchw';
  const value = wantNchw ? ref.onnx! : ctx.plain(ref, tfName);
  const shape = wantNchw ? [ref.shape[0], ref.shape[3], ref.shape[1], ref.shape[2]] : ref.shape;
  const name = options.rename?.[tfName] ?? tfName;
  const graph = ctx.graph;
  // The output name may already label an inner value (e.g. the NCHW tensor an NHWC output is transposed from).
  if (value !== name && graph.nodes.some((n) => n.outputs.includes(name))) renameValue(graph, name, ctx.uniqueName(`${name}/inner`));
  const producer = graph.nodes.find((n) => n.outputs.includes(value));
  const taken = graph.outputs.some((o) => o.name === value) || graph.inputs.some((i) => i.name === value);
  if (producer && !taken && value !== name) {
    renameValue(graph, value, name);
  } else if (value !== name) {
    graph.nodes.push({ name: `${name}#identity`, opType: 'Identity', inputs: [value], outputs: [name], attrs: {} });
  }
  graph.outputs.push({ name, elemType: ref.dtype, dims: declared(options, tfName, shape, name) });
}
