import { attr } from '../onnx-ir.js';
import { attrBool, attrNumber, type TfNode } from '../tfjs-graph.js';
import type { ConvertContext, Shape } from '../convert-context.js';
import { toNumbers } from '../tensor.js';

export const selectOps = ['GatherV2', 'TopKV2', 'StridedSlice'];

export function convertSelectOp(ctx: ConvertContext, node: TfNode): void {
  if (node.op === 'GatherV2') return gather(ctx, node);
  if (node.op === 'TopKV2') return topK(ctx, node);
  return stridedSlice(ctx, node);
}

function gather(ctx: ConvertContext, node: TfNode): void {
  const params = ctx.input(node, 0);
  const indices = ctx.input(node, 1);
  const rank = params.shape.length;
  const rawAxis = toNumbers(ctx.constInput(node, 2))[0];
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (attrNumber(node, 'batch_dims', 0) !== 0) ctx.fail(node, 'batch_dims other than 0 is not supported');
  const out = ctx.emit(node, 'Gather', [ctx.plain(params, node.inputs[0]), ctx.plain(indices, node.inputs[1])], {
    axis: attr.int(axis),
  })[0];
  const shape = [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)];
  ctx.define(node.name, { onnx: out, layout: 'plain', shape, dtype: params.dtype });
}

function topK(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const k = toNumbers(ctx.constInput(node, 1))[0];
  if (!attrBool(node, 'sorted', true)) ctx.fail(node, 'unsorted TopKV2 is not supported');
  const [values, indices] = ctx.emit(node, 'TopK', [ctx.plain(x, node.inputs[0]), ctx.int64Const(node.name, [k])], {
    axis: attr.int(-1),
    largest: attr.int(1),
    sorted: attr.int(1),
  }, '', 2);
  // TF hands out int32 indices; ONNX TopK gives int64.
  const indices32 = ctx.emit(node, 'Cast', [indices], { to: attr.int(6) }, 'indices')[0];
  const shape = [...x.shape.slice(0, -1), k];
  ctx.define(node.name, { onnx: values, layout: 'plain', shape, dtype: x.dtype });
  ctx.define(`${node.name}:1`, { onnx: indices32, layout: 'plain', shape, dtype: 'int32' });
}

const INT_MAX = 2 ** 31 - 1;

function stridedSlice(ctx: ConvertContext, node: TfNode): void {
  const x = ctx.input(node, 0);
  const begin = toNumbers(ctx.constInput(node, 1));
  const end = toNumbers(ctx.constInput(node, 2));
  const strides = toNumbers(ctx.constInput(node, 3));
  const mask = (name: string): number => attrNumber(node, name, 0);
  if (mask('ellipsis_mask') || mask('new_axis_mask')) ctx.fail(node, 'ellipsis_mask / new_axis_mask are not supported');
  const starts: number[] = [];
  const ends: number[] = [];
  const shrink: number[] = [];
  for (let d = 0; d < begin.length; d++) {
    const step = strides[d];
    const bit = 1 << d;
    const s = mask('begin_mask') & bit ? (step > 0 ? 0 : -1) : begin[d];
    let e = mask('end_mask') & bit ? (step > 0 ? INT_MAX : -INT_MAX) : end[d];
    if (mask('shrink_axis_mask') & bit) {
      e = s === -1 ? INT_MAX : s + 1;
      shrink.push(d);
    }
    starts.push(s);
    ends.push(e);
  }
  const axes = begin.map((_, d) => d);
  let out = ctx.emit(node, 'Slice', [
    ctx.plain(x, node.inputs[0]),
    ctx.int64Const(`${node.name}/starts`, starts),
    ctx.int64Const(`${node.name}/ends`, ends),
    ctx.int64Const(`${node.name}/axes`, axes),
    ctx.int64Const(`${node.name}/steps`, strides),
  ], {}, shrink.length ? 'slice' : '')[0];
  if (shrink.length) out = ctx.emit(node, 'Squeeze', [out, ctx.int64Const(`${node.name}/shrink`, shrink)])[0];
  const shape: Shape = x.shape
    .map((dim, d) => (d >= begin.length ? dim : sliceLength(dim, starts[d], ends[d], strides[d])))
    .filter((_, d) => !shrink.includes(d));
  ctx.define(node.name, { onnx: out, layout: 'plain', shape, dtype: x.dtype });
}

function sliceLength(dim: number | null, start: number, end: number, step: number): number | null {
  if (dim === null) return null;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const s = step > 0 ? clamp(start < 0 ? start + dim : start, 0, dim) : clamp(start < 0 ? start + dim : start, -1, dim - 1);
  const e = step > 0 ? clamp(end < 0 ? end + dim : end, 0, dim) : clamp(end < -dim ? -1 : end < 0 ? end + dim : end, -1, dim - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}
