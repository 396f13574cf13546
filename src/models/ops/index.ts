import type { TfNode } from '../tfjs-graph.js';
import type { ConvertContext } from '../convert-context.js';
import { convertConv } from './conv.js';
import { convertElementwise, elementwiseOps } from './elementwise.js';
import { convertNnOp, nnOps } from './nn.js';
import { convertSelectOp, selectOps } from './select.js';
import { convertShapeOp, shapeOps } from './shape.js';

type Handler = (ctx: ConvertContext, node: TfNode) => void;

const handlers = new Map<string, Handler>([
  ['Conv2D', (ctx, node) => convertConv(ctx, node, false)],
  ['_FusedConv2D', (ctx, node) => convertConv(ctx, node, false)],
  ['DepthwiseConv2dNative', (ctx, node) => convertConv(ctx, node, true)],
  ['FusedDepthwiseConv2dNative', (ctx, node) => convertConv(ctx, node, true)],
  ...elementwiseOps.map((op): [string, Handler] => [op, convertElementwise]),
  ...shapeOps.map((op): [string, Handler] => [op, convertShapeOp]),
  ...nnOps.map((op): [string, Handler] => [op, convertNnOp]),
  ...selectOps.map((op): [string, Handler] => [op, convertSelectOp]),
]);

export function opHandler(op: string): Handler | undefined {
  return handlers.get(op);
}
