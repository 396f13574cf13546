import { attr, type OnnxAttr } from '../onnx-ir.js';
import { attrNumber, attrStrings, type TfNode } from '../tfjs-graph.js';
import type { ConvertContext } from '../convert-context.js';
import { asFloat32, transpose, type ConstTensor } from '../tensor.js';
import { windowOf } from './window.js';

/** Conv2D and depthwise conv, plain or with TF's fused BiasAdd + activation. */
export function convertConv(ctx: ConvertContext, node: TfNode, depthwise: boolean): void {
  const x = ctx.input(node, 0);
  if (x.shape.length !== 4) ctx.fail(node, `expects a rank-4 NHWC input, got rank ${x.shape.length}`);
  const filter = ctx.constInput(node, 1);
  if (filter.shape.length !== 4) ctx.fail(node, `expects a rank-4 filter, got [${filter.shape.join(',')}]`);
  const [kH, kW, inC, mult] = filter.shape;
  const weights = depthwise ? depthwiseWeights(filter) : transpose(withFloat(filter), [3, 2, 0, 1]);
  const outC = depthwise ? inC * mult : mult;
  const win = windowOf(ctx, node, x.shape[1], x.shape[2], kH, kW);

  const fused = attrStrings(node, 'fused_ops');
  const inputs = [ctx.nchw(x), ctx.addInitializer(`${node.name}/W`, weights)];
  let activation = fused;
  if (fused[0] === 'BiasAdd') {
    inputs.push(ctx.addInitializer(`${node.name}/B`, withFloat(ctx.constInput(node, 2))));
    activation = fused.slice(1);
  }
  const attrs: Record<string, OnnxAttr> = {
    kernel_shape: attr.ints([kH, kW]),
    strides: attr.ints(win.strides),
    dilations: attr.ints(win.dilations),
    pads: attr.ints(win.pads),
    group: attr.int(depthwise ? inC : 1),
  };
  const hasActivation = activation.length > 0;
  let out = ctx.emit(node, 'Conv', inputs, attrs, hasActivation ? 'conv' : '')[0];
  if (activation.length > 1) ctx.fail(node, `fused_ops ${fused.join('+')} is not supported`);
  if (hasActivation) out = emitActivation(ctx, node, activation[0], out, 3, 'nchw');
  ctx.define(node.name, { onnx: out, layout: 'nchw', shape: [x.shape[0], win.outH, win.outW, outC], dtype: 'float32' });
}

/** TF depthwise filter [kh, kw, C, M] → ONNX grouped conv weights [C*M, 1, kh, kw]; channel c*M+m. */
function depthwiseWeights(filter: ConstTensor): ConstTensor {
  const [kH, kW, c, m] = filter.shape;
  const t = transpose(withFloat(filter), [2, 3, 0, 1]);
  return { ...t, shape: [c * m, 1, kH, kW] };
}

function withFloat(t: ConstTensor): ConstTensor {
  return t.dtype === 'float32' ? t : { dtype: 'float32', shape: t.shape, data: asFloat32(t) };
}

/**
 * Activations TF fuses into conv/matmul. `extraInput` is the index of the PReLU alpha input on the TF node.
 */
export function emitActivation(
  ctx: ConvertContext,
  node: TfNode,
  op: string,
  x: string,
  extraInput: number,
  layout: 'nchw' | 'plain',
): string {
  switch (op) {
    case 'Relu':
      return ctx.emit(node, 'Relu', [x])[0];
    case 'Relu6':
      return ctx.emit(node, 'Clip', [x, ctx.floatScalar(0), ctx.floatScalar(6)])[0];
    case 'Elu':
      return ctx.emit(node, 'Elu', [x])[0];
    case 'Sigmoid':
      return ctx.emit(node, 'Sigmoid', [x])[0];
    case 'Tanh':
      return ctx.emit(node, 'Tanh', [x])[0];
    case 'LeakyRelu':
      return ctx.emit(node, 'LeakyRelu', [x], { alpha: attr.float(attrNumber(node, 'leakyrelu_alpha', attrNumber(node, 'alpha', 0.2))) })[0];
    case 'Prelu': {
      const alpha = ctx.input(node, extraInput);
      const slope = layout === 'nchw' ? ctx.nchw(alpha, `${node.name}/alpha`) : ctx.plain(alpha, `${node.name}/alpha`);
      return ctx.emit(node, 'PRelu', [x, slope])[0];
    }
    default:
      return ctx.fail(node, `fused activation ${op} is not supported`);
  }
}
