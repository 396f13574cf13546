import { attr, type ElemType } from '../onnx-ir.js';
import { attrBool, attrInts, type TfNode } from '../tfjs-graph.js';
import { NHWC_AXIS_IN_NCHW, type ConvertContext, type Shape } from '../convert-context.js';
import { toNumbers } from '../tensor.js';

export const shapeOps = ['Reshape', 'ConcatV2', 'Pad', 'PadV2', 'Mean', 'Sum', 'Max', 'Min', 'Prod', 'ExpandDims', 'Squeeze', 'Cast'];

const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

export function convertShapeOp(ctx: ConvertContext, node: TfNode): void {
  switch (node.op) {
    case 'Reshape':
      return reshapeOp(ctx, node);
    case 'ConcatV2':
      return concat(ctx, node);
    case 'Pad':
    case 'PadV2':
      return pad(ctx, node);
    case 'ExpandDims':
      return expandDims(ctx, node);
    case 'Squeeze':
      return squeeze(ctx, node);
    case 'Cast':
      return cast(ctx, node);
    default:
      return reduce(ctx, node);
  }
}

function reshapeOp(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const target = toNumbers(ctx.constInput(node, 1));
  const out = ctx.emit(node, 'Reshape', [ctx.plain(x, node.inputs[0]), ctx.int64Const(node.name, target)])[0];
  const total = x.shape.every((d) => d !== null) ? (x.shape as number[]).reduce((a, b) => a * b, 1) : null;
  const rest = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape: Shape = target.map((d) => (d === -1 ? (total === null ? null : total / rest) : d));
  ctx.define(node.name, { onnx: out, layout: 'plain', shape, dtype: x.dtype });
}

function concat(ctx: ConvertContext, node: TfNode): void {
  const n = node.inputs.length - 1;
  const refs = Array.from({ length: n }, (_, i) => ctx.input(node, i));
  const rank = refs[0].shape.length;
  const axis = normAxis(toNumbers(ctx.constInput(node, n))[0], rank);
  const nchw = rank === 4 && refs.some((r) => r.layout === 'nchw');
  const names = refs.map((r, i) => (nchw ? ctx.nchw(r, node.inputs[i]) : ctx.plain(r, node.inputs[i])));
  const onnxAxis = nchw ? NHWC_AXIS_IN_NCHW[axis] : axis;
  const out = ctx.emit(node, 'Concat', names, { axis: attr.int(onnxAxis) })[0];
  const shape = [...refs[0].shape];
  shape[axis] = refs.reduce<number | null>((sum, r) => (sum === null || r.shape[axis] === null ? null : sum + r.shape[axis]!), 0);
  ctx.define(node.name, { onnx: out, layout: nchw ? 'nchw' : 'plain', shape, dtype: refs[0].dtype });
}

function pad(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const p = toNumbers(ctx.constInput(node, 1));
  const rank = x.shape.length;
  const before = Array.from({ length: rank }, (_, d) => p[2 * d]);
  const after = Array.from({ length: rank }, (_, d) => p[2 * d + 1]);
  const nchw = x.layout === 'nchw';
  const order = nchw ? [0, 3, 1, 2] : before.map((_, d) => d);
  const pads = [...order.map((d) => before[d]), ...order.map((d) => after[d])];
  const inputs = [nchw ? x.onnx! : ctx.plain(x, node.inputs[0]), ctx.int64Const(node.name, pads)];
  if (node.op === 'PadV2') inputs.push(ctx.plain(ctx.input(node, 2), node.inputs[2]));
  const out = ctx.emit(node, 'Pad', inputs, { mode: attr.string('constant') })[0];
  const shape = x.shape.map((d, i) => (d === null ? null : d + before[i] + after[i]));
  ctx.define(node.name, { onnx: out, layout: x.layout, shape, dtype: x.dtype });
}

const REDUCE: Record<string, string> = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' };

function reduce(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const rank = x.shape.length;
  const axes = toNumbers(ctx.constInput(node, 1)).map((a) => normAxis(a, rank));
  const keep = attrBool(node, 'keep_dims', false);
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  // Without keep_dims the result is plain; that is only free when the surviving dims keep their order.
  const keptInNchw = kept.map((d) => NHWC_AXIS_IN_NCHW[d]);
  const orderSafe = keptInNchw.every((a, i) => i === 0 || a > keptInNchw[i - 1]);
  const nchw = x.layout === 'nchw' && (keep || orderSafe);
  const onnxAxes = nchw ? axes.map((a) => NHWC_AXIS_IN_NCHW[a]).sort((a, b) => a - b) : axes;
  const input = nchw ? x.onnx! : ctx.plain(x, node.inputs[0]);
  const opType = REDUCE[node.op];
  if (opType === 'ReduceMean' && nchw && keep && onnxAxes.join() === '2,3') {
    // The global pool form stays inside ORT's blocked (NCHWc) layout; ReduceMean would force reorders.
    const pooled = ctx.emit(node, 'GlobalAveragePool', [input])[0];
    ctx.define(node.name, { onnx: pooled, layout: 'nchw', shape: x.shape.map((d, i) => (i === 1 || i === 2 ? 1 : d)), dtype: x.dtype });
    return;
  }
  const out =
    opType === 'ReduceSum'
      ? ctx.emit(node, opType, [input, ctx.int64Const(node.name, onnxAxes)], { keepdims: attr.int(keep ? 1 : 0) })[0]
      : ctx.emit(node, opType, [input], { axes: attr.ints(onnxAxes), keepdims: attr.int(keep ? 1 : 0) })[0];
  const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((d) => x.shape[d]);
  ctx.define(node.name, { onnx: out, layout: keep && nchw ? 'nchw' : 'plain', shape, dtype: x.dtype });
}

function expandDims(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const axis = normAxis(toNumbers(ctx.constInput(node, 1))[0], x.shape.length + 1);
  const out = ctx.emit(node, 'Unsqueeze', [ctx.plain(x, node.inputs[0]), ctx.int64Const(node.name, [axis])])[0];
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  ctx.define(node.name, { onnx: out, layout: 'plain', shape, dtype: x.dtype });
}

function squeeze(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const rank = x.shape.length;
  let axes = attrInts(node, 'squeeze_dims', []).map((a) => normAxis(a, rank));
  if (axes.length === 0) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  const out = ctx.emit(node, 'Squeeze', [ctx.plain(x, node.inputs[0]), ctx.int64Const(node.name, axes)])[0];
  ctx.define(node.name, { onnx: out, layout: 'plain', shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype });
}

const TF_DTYPES: Record<string, { onnx: number; elem: ElemType }> = {
  DT_FLOAT: { onnx: 1, elem: 'float32' },
  DT_INT32: { onnx: 6, elem: 'int32' },
  DT_INT64: { onnx: 7, elem: 'int64' },
  DT_BOOL: { onnx: 9, elem: 'bool' },
};

function cast(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const dst = node.attrs.DstT;
  const target = dst?.kind === 'type' ? TF_DTYPES[dst.value] : undefined;
  if (!target) ctx.fail(node, `cast to ${dst?.kind === 'type' ? dst.value : 'an unknown type'} is not supported`);
  const input = x.layout === 'nchw' ? x.onnx! : ctx.plain(x, node.inputs[0]);
  const out = ctx.emit(node, 'Cast', [input], { to: attr.int(target.onnx) })[0];
  ctx.define(node.name, { onnx: out, layout: x.layout, shape: x.shape, dtype: target.elem });
}
