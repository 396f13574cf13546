import { attrInts, attrString, type TfNode } from '../tfjs-graph.js';
import type { ConvertContext } from '../convert-context.js';

/** Spatial geometry of a sliding-window op (conv or pool) in ONNX terms. */
export interface Window {
  strides: [number, number];
  dilations: [number, number];
  /** ONNX order: [top, left, bottom, right]. */
  pads: [number, number, number, number];
  outH: number | null;
  outW: number | null;
}

/**
 * TF SAME puts the odd padding pixel at the end, which is ONNX SAME_UPPER; explicit pads keep that exact.
 * When a size is unknown the input is assumed to be a multiple of the stride (the registry documents this).
 */
function samePad(size: number | null, k: number, s: number, d: number): { total: number; out: number | null } {
  const effective = (k - 1) * d + 1;
  if (size === null) return { total: Math.max(effective - s, 0), out: null };
  const out = Math.ceil(size / s);
  return { total: Math.max((out - 1) * s + effective - size, 0), out };
}

export function windowOf(
  ctx: ConvertContext,
  node: TfNode,
  inH: number | null,
  inW: number | null,
  kH: number,
  kW: number,
): Window {
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC') {
    ctx.fail(node, `data_format ${attrString(node, 'data_format')} is not supported (only NHWC)`);
  }
  const strides = attrInts(node, 'strides', [1, 1, 1, 1]);
  const dilations = attrInts(node, 'dilations', [1, 1, 1, 1]);
  const s: [number, number] = [strides[1], strides[2]];
  const d: [number, number] = [dilations[1], dilations[2]];
  const padding = attrString(node, 'padding');
  const valid = (size: number | null, k: number, st: number, dl: number): number | null =>
    size === null ? null : Math.floor((size - ((k - 1) * dl + 1)) / st) + 1;
  if (padding === 'VALID') {
    return { strides: s, dilations: d, pads: [0, 0, 0, 0], outH: valid(inH, kH, s[0], d[0]), outW: valid(inW, kW, s[1], d[1]) };
  }
  if (padding === 'SAME') {
    const h = samePad(inH, kH, s[0], d[0]);
    const w = samePad(inW, kW, s[1], d[1]);
    const top = Math.floor(h.total / 2);
    const left = Math.floor(w.total / 2);
    return { strides: s, dilations: d, pads: [top, left, h.total - top, w.total - left], outH: h.out, outW: w.out };
  }
  if (padding === 'EXPLICIT') {
    const e = attrInts(node, 'explicit_paddings');
    const pads: [number, number, number, number] = [e[2], e[4], e[3], e[5]];
    const grow = (size: number | null, extra: number): number | null => (size === null ? null : size + extra);
    return {
      strides: s,
      dilations: d,
      pads,
      outH: valid(grow(inH, pads[0] + pads[2]), kH, s[0], d[0]),
      outW: valid(grow(inW, pads[1] + pads[3]), kW, s[1], d[1]),
    };
  }
  return ctx.fail(node, `padding ${padding} is not supported`);
}
