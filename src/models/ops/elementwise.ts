import { attr } from '../onnx-ir.js';
import type { TfNode } from '../tfjs-graph.js';
import type { ConvertContext, Shape, TensorRef } from '../convert-context.js';
import { emitActivation } from './conv.js';

const BINARY: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Div: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
  Pow: 'Pow',
  Equal: 'Equal',
  Greater: 'Greater',
  Less: 'Less',
  Prelu: 'PRelu',
};

const UNARY: Record<string, string> = {
  Identity: 'Identity',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Exp: 'Exp',
  Sqrt: 'Sqrt',
  Neg: 'Neg',
  Abs: 'Abs',
  Floor: 'Floor',
};

export const elementwiseOps = [...Object.keys(BINARY), ...Object.keys(UNARY), 'Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Rsqrt', 'Softmax', 'AddN', 'FloorDiv', 'FloorMod'];

export function broadcastShape(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x ?? y);
  }
  return out;
}

/** Operands laid out alike: NCHW if any side is an NCHW activation, TF layout otherwise. */
function alignOperands(ctx: ConvertContext, node: TfNode, refs: TensorRef[]): { names: string[]; layout: 'nchw' | 'plain' } {
  const nchw = refs.some((r) => r.layout === 'nchw');
  const names = refs.map((r, i) => (nchw ? ctx.nchw(r, node.inputs[i]) : ctx.plain(r, node.inputs[i])));
  return { names, layout: nchw ? 'nchw' : 'plain' };
}

export function convertElementwise(ctx: ConvertContext, node: TfNode): void {
  const op = node.op;
  if (op in BINARY || op === 'AddN' || op === 'FloorDiv' || op === 'FloorMod') {
    const refs = node.inputs.map((_, i) => ctx.input(node, i));
    const { names, layout } = alignOperands(ctx, node, refs);
    const shape = refs.map((r) => r.shape).reduce(broadcastShape);
    const isBool = ['Equal', 'Greater', 'Less'].includes(op);
    const dtype = isBool ? 'bool' : refs[0].dtype;
    const out = binaryNode(ctx, node, names, dtype);
    ctx.define(node.name, { onnx: out, layout, shape, dtype });
    return;
  }
  const x = ctx.input(node, 0);
  const inName = x.layout === 'nchw' ? x.onnx! : ctx.plain(x, node.inputs[0]);
  let out: string;
  if (op in UNARY) out = ctx.emit(node, UNARY[op], [inName])[0];
  else if (op === 'Rsqrt') out = ctx.emit(node, 'Reciprocal', [ctx.emit(node, 'Sqrt', [inName], {}, 'sqrt')[0]])[0];
  else if (op === 'Softmax') {
    const axis = x.layout === 'nchw' ? 1 : x.shape.length - 1;
    out = ctx.emit(node, 'Softmax', [inName], { axis: attr.int(axis) })[0];
  } else out = emitActivation(ctx, node, op, inName, 1, x.layout);
  ctx.define(node.name, { ...x, onnx: out, value: undefined });
}

function binaryNode(ctx: ConvertContext, node: TfNode, names: string[], dtype: string): string {
  switch (node.op) {
    case 'AddN':
      return ctx.emit(node, 'Sum', names)[0];
    case 'FloorMod': {
      if (dtype !== 'float32') return ctx.emit(node, 'Mod', names, { fmod: attr.int(0) })[0];
      const quotient = ctx.emit(node, 'Floor', [ctx.emit(node, 'Div', names, {}, 'div')[0]], {}, 'floor')[0];
      return ctx.emit(node, 'Sub', [names[0], ctx.emit(node, 'Mul', [quotient, names[1]], {}, 'mul')[0]])[0];
    }
    case 'FloorDiv': {
      if (dtype === 'float32') return ctx.emit(node, 'Floor', [ctx.emit(node, 'Div', names, {}, 'div')[0]])[0];
      // Integer Div truncates toward zero; subtracting the floor-mod first makes it exact floor division.
      const mod = ctx.emit(node, 'Mod', names, { fmod: attr.int(0) }, 'mod')[0];
      const diff = ctx.emit(node, 'Sub', [names[0], mod], {}, 'sub')[0];
      return ctx.emit(node, 'Div', [diff, names[1]])[0];
    }
    default:
      return ctx.emit(node, BINARY[node.op], names)[0];
  }
}
