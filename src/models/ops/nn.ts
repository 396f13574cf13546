import { attr } from '../onnx-ir.js';
import { attrBool, attrInts, attrStrings, type TfNode } from '../tfjs-graph.js';
import type { ConvertContext } from '../convert-context.js';
import { floatTensor, toNumbers } from '../tensor.js';
import { emitActivation } from './conv.js';
import { windowOf } from './window.js';

export const nnOps = ['MaxPool', 'AvgPool', 'ResizeBilinear', 'MatMul', '_FusedMatMul'];

export function convertNnOp(ctx: ConvertContext, node: TfNode): void {
  if (node.op === 'MaxPool' || node.op === 'AvgPool') return pool(ctx, node);
  if (node.op === 'ResizeBilinear') return resizeBilinear(ctx, node);
  return matmul(ctx, node);
}

function pool(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const ksize = attrInts(node, 'ksize');
  const win = windowOf(ctx, node, x.shape[1], x.shape[2], ksize[1], ksize[2]);
  const attrs = { kernel_shape: attr.ints([ksize[1], ksize[2]]), strides: attr.ints(win.strides), pads: attr.ints(win.pads) };
  // TF averages over the real pixels only, never the padding.
  if (node.op === 'AvgPool') Object.assign(attrs, { count_include_pad: attr.int(0) });
  const out = ctx.emit(node, node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [ctx.nchw(x)], attrs)[0];
  ctx.define(node.name, { onnx: out, layout: 'nchw', shape: [x.shape[0], win.outH, win.outW, x.shape[3]], dtype: x.dtype });
}

/**
 * TF ResizeBilinear carries a fixed target size. Where that size is a whole multiple of the input, the ONNX
 * node gets scales instead, so the model keeps working when the input size changes.
 */
function resizeBilinear(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const [outH, outW] = toNumbers(ctx.constInput(node, 1));
  const [n, inH, inW, c] = x.shape;
  const alignCorners = attrBool(node, 'align_corners', false);
  const halfPixel = attrBool(node, 'half_pixel_centers', false);
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const attrs = { mode: attr.string('linear'), coordinate_transformation_mode: attr.string(mode) };
  const integral = inH !== null && inW !== null && outH % inH === 0 && outW % inW === 0;
  let inputs: string[];
  if (integral && !alignCorners) {
    const scales = ctx.addInitializer(`${node.name}/scales`, floatTensor([4], [1, 1, outH / inH, outW / inW]));
    inputs = [ctx.nchw(x), '', scales];
  } else {
    if (n === null || c === null) ctx.fail(node, 'needs a known batch and channel count to resize to a fixed size');
    inputs = [ctx.nchw(x), '', '', ctx.int64Const(node.name, [n, c, outH, outW])];
  }
  const out = ctx.emit(node, 'Resize', inputs, attrs)[0];
  ctx.define(node.name, { onnx: out, layout: 'nchw', shape: [n, outH, outW, c], dtype: x.dtype });
}

function matmul(ctx: ConvertContext, node: TfNode): void {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail(node, 'only 2-D MatMul is supported');
  const transA = attrBool(node, 'transpose_a', false);
  const transB = attrBool(node, 'transpose_b', false);
  const fused = attrStrings(node, 'fused_ops');
  const inputs = [ctx.plain(a, node.inputs[0]), ctx.plain(b, `${node.name}/W`)];
  let activation = fused;
  if (fused[0] === 'BiasAdd') {
    inputs.push(ctx.plain(ctx.input(node, 2), `${node.name}/B`));
    activation = fused.slice(1);
  }
  if (activation.length > 1) ctx.fail(node, `fused_ops ${fused.join('+')} is not supported`);
  const attrs = { transA: attr.int(transA ? 1 : 0), transB: attr.int(transB ? 1 : 0) };
  let out = ctx.emit(node, 'Gemm', inputs, attrs, activation.length ? 'gemm' : '')[0];
  if (activation.length) out = emitActivation(ctx, node, activation[0], out, 3, 'plain');
  const rows = transA ? a.shape[1] : a.shape[0];
  const cols = transB ? b.shape[0] : b.shape[1];
  ctx.define(node.name, { onnx: out, layout: 'plain', shape: [rows, cols], dtype: 'float32' });
}
