import type { TfGraph, TfNode } from './tfjs-graph.js';
import type { ElemType, OnnxAttr, OnnxGraph } from './onnx-ir.js';
import { floatTensor, int64Tensor, reshape, transpose, type ConstTensor } from './tensor.js';

/**
 * Layout of a converted value. Rank-4 activations live in ONNX as NCHW (so Conv runs natively) while the TF
 * graph describes them as NHWC; `nchw` marks such values. Everything else keeps the TF layout (`plain`).
 */
export type Layout = 'nchw' | 'plain';
export type Shape = (number | null)[];

export interface TensorRef {
  /** ONNX value name; undefined for a TF constant that has not been written as an initializer yet. */
  onnx?: string;
  layout: Layout;
  /** Shape in TF (NHWC) terms; null entries are unknown sizes. */
  shape: Shape;
  dtype: ElemType;
  /** Value in TF terms, for constants. */
  value?: ConstTensor;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];
/** TF NHWC axis → axis of the same dim in NCHW. */
export const NHWC_AXIS_IN_NCHW = [0, 2, 3, 1];

export class ConversionError extends Error {}

export class ConvertContext {
  readonly graph: OnnxGraph = { name: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  private readonly refs = new Map<string, TensorRef>();
  private readonly memo = new Map<string, string>();
  private readonly usedNames = new Set<string>();
  private readonly constNames = new WeakMap<ConstTensor, { plain?: string; nchw?: string }>();

  constructor(readonly tf: TfGraph) {}

  fail(node: TfNode, message: string): never {
    throw new ConversionError(`node ${node.name} (op ${node.op}): ${message}`);
  }

  ref(tfName: string): TensorRef {
    const r = this.refs.get(tfName);
    if (!r) throw new ConversionError(`tensor ${tfName} is used before it is defined`);
    return r;
  }

  input(node: TfNode, i: number): TensorRef {
    const name = node.inputs[i];
    if (name === undefined) this.fail(node, `expected an input #${i}`);
    return this.ref(name);
  }

  constInput(node: TfNode, i: number): ConstTensor {
    const r = this.input(node, i);
    if (!r.value) this.fail(node, `input #${i} (${node.inputs[i]}) must be a constant`);
    return r.value;
  }

  define(tfName: string, ref: TensorRef): void {
    this.refs.set(tfName, ref);
  }

  /** A fresh, deterministic ONNX value name derived from a TF name. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.usedNames.has(name); k++) name = `${base}_${k}`;
    this.usedNames.add(name);
    return name;
  }

  addInitializer(base: string, tensor: ConstTensor): string {
    const name = this.uniqueName(base);
    this.graph.initializers.set(name, tensor);
    return name;
  }

  int64Const(base: string, values: number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(',')}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const name = this.addInitializer(`${base}/const`, int64Tensor(scalar ? [] : [values.length], values));
    this.memo.set(key, name);
    return name;
  }

  floatScalar(value: number): string {
    const key = `f32:${value}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const name = this.addInitializer(`scalar_${value}`, floatTensor([], [value]));
    this.memo.set(key, name);
    return name;
  }

  emit(
    node: TfNode,
    opType: string,
    inputs: string[],
    attrs: Record<string, OnnxAttr> = {},
    suffix = '',
    outputCount = 1,
  ): string[] {
    const base = suffix ? `${node.name}/${suffix}` : node.name;
    const outputs = Array.from({ length: outputCount }, (_, k) => this.uniqueName(k ? `${base}:${k}` : base));
    this.graph.nodes.push({ name: this.uniqueName(`${base}#node`), opType, inputs, outputs, attrs });
    return outputs;
  }

  /** The value in TF layout; NCHW activations get one memoised Transpose back. */
  plain(r: TensorRef, hint = 'value'): string {
    if (r.value && !r.onnx) return this.materialise(hint, r.value);
    if (r.layout === 'plain') return r.onnx!;
    return this.transposeOnce(r.onnx!, NCHW_TO_NHWC, 'nhwc');
  }

  /**
   * The value laid out to meet an NCHW activation: rank-4 activations in NCHW, constants re-shaped so that
   * NHWC broadcasting rules still hold (a per-channel [C] becomes [C,1,1]), scalars untouched.
   */
  nchw(r: TensorRef, hint = 'value'): string {
    if (r.layout === 'nchw') return r.onnx!;
    if (r.value && !r.onnx) {
      const v = r.value;
      if (v.shape.length === 0) return this.materialise(hint, v);
      if (v.shape.length > 4) throw new ConversionError(`cannot broadcast constant ${hint} of rank ${v.shape.length} to NCHW`);
      const cached = this.constNames.get(v);
      if (cached?.nchw) return cached.nchw;
      const rank4 = reshape(v, [...new Array<number>(4 - v.shape.length).fill(1), ...v.shape]);
      const name = this.addInitializer(`${hint}/nchw`, transpose(rank4, NHWC_TO_NCHW));
      this.constNames.set(v, { ...cached, nchw: name });
      return name;
    }
    if (r.shape.length !== 4) {
      throw new ConversionError(`value ${r.onnx} of rank ${r.shape.length} cannot meet an NCHW tensor`);
    }
    return this.transposeOnce(r.onnx!, NHWC_TO_NCHW, 'nchw');
  }

  private materialise(hint: string, v: ConstTensor): string {
    const cached = this.constNames.get(v);
    if (cached?.plain) return cached.plain;
    const name = this.addInitializer(hint, v);
    this.constNames.set(v, { ...cached, plain: name });
    return name;
  }

  private transposeOnce(onnx: string, perm: number[], tag: string): string {
    const key = `T:${onnx}:${perm.join(',')}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out = this.uniqueName(`${onnx}/${tag}`);
    this.graph.nodes.push({
      name: this.uniqueName(`${out}#node`),
      opType: 'Transpose',
      inputs: [onnx],
      outputs: [out],
      attrs: { perm: { type: 'ints', value: perm } },
    });
    this.memo.set(key, out);
    return out;
  }
}
