import { attr, indexGraph, removeDeadNodes, type GraphIndex, type OnnxGraph, type OnnxNode } from './onnx-ir.js';
import { padDepthwiseChannels } from './pad-channels.js';
import { floatTensor, sizeOf, type ConstTensor } from './tensor.js';

/**
 * Exact rewrites that make the converted graph cheaper to run. Each one preserves the maths of the TF graph
 * (up to float rounding); none of them assumes a particular model.
 */
export function optimizeGraph(graph: OnnxGraph): void {
  // Activation patterns first: folding would otherwise swallow the `+ 3` they are recognised by.
  fuseClamps(graph);
  fuseHardSwish(graph);
  fuseHardSigmoid(graph);
  while (foldAffineIntoConv(graph)) removeDeadNodes(graph);
  while (sinkScalarMul(graph)) removeDeadNodes(graph);
  padDepthwiseChannels(graph);
  removeDeadNodes(graph);
}

function init(graph: OnnxGraph, name: string): ConstTensor | undefined {
  return graph.initializers.get(name);
}

function floatScalarOf(graph: OnnxGraph, name: string): number | undefined {
  const t = init(graph, name);
  return t && t.dtype === 'float32' && sizeOf(t.shape) === 1 ? (t.data as Float32Array)[0] : undefined;
}

/** Values of a constant that broadcasts against NCHW as one number per channel (or one for all). */
function perChannel(graph: OnnxGraph, name: string, channels: number): Float32Array | undefined {
  const t = init(graph, name);
  if (!t || t.dtype !== 'float32') return undefined;
  const data = t.data as Float32Array;
  if (data.length === 1) return new Float32Array(channels).fill(data[0]);
  const dims = t.shape.length === 4 ? t.shape : t.shape.length === 3 ? [1, ...t.shape] : null;
  if (!dims || dims[0] !== 1 || dims[1] !== channels || dims[2] !== 1 || dims[3] !== 1) return undefined;
  return data;
}

function otherInput(node: OnnxNode, value: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === value) return node.inputs[1];
  if (node.inputs[1] === value) return node.inputs[0];
  return undefined;
}

function soleConsumer(index: GraphIndex, value: string): OnnxNode | undefined {
  const consumers = index.consumers.get(value) ?? [];
  return consumers.length === 1 && !index.graphOutputs.has(value) ? consumers[0] : undefined;
}

/** A private copy of an initializer, so rewriting it cannot change another node. */
function ownInitializer(graph: OnnxGraph, index: GraphIndex, node: OnnxNode, slot: number): Float32Array {
  const name = node.inputs[slot];
  const t = init(graph, name)!;
  if ((index.consumers.get(name) ?? []).length === 1) return t.data as Float32Array;
  const copy = floatTensor([...t.shape], Float32Array.from(t.data as Float32Array));
  const fresh = `${name}/${node.name}`;
  graph.initializers.set(fresh, copy);
  node.inputs[slot] = fresh;
  return copy.data as Float32Array;
}

/** Conv → Mul/Add by a per-channel constant becomes one Conv with scaled weights and bias. */
function foldAffineIntoConv(graph: OnnxGraph): boolean {
  const index = indexGraph(graph);
  for (const conv of graph.nodes) {
    if (conv.opType !== 'Conv' || !init(graph, conv.inputs[1])) continue;
    const y = conv.outputs[0];
    const next = soleConsumer(index, y);
    if (!next || (next.opType !== 'Mul' && next.opType !== 'Add')) continue;
    const outC = init(graph, conv.inputs[1])!.shape[0];
    const k = perChannel(graph, otherInput(next, y) ?? '', outC);
    if (!k) continue;
    if (conv.inputs.length < 3) {
      const bias = `${conv.name}/bias`;
      graph.initializers.set(bias, floatTensor([outC], new Float32Array(outC)));
      conv.inputs.push(bias);
    }
    const b = ownInitializer(graph, index, conv, 2);
    if (next.opType === 'Mul') {
      const w = ownInitializer(graph, index, conv, 1);
      const per = w.length / outC;
      for (let o = 0; o < outC; o++) {
        for (let i = 0; i < per; i++) w[o * per + i] *= k[o];
        b[o] *= k[o];
      }
    } else {
      for (let o = 0; o < outC; o++) b[o] += k[o];
    }
    conv.outputs[0] = next.outputs[0];
    next.outputs = [`${y}/folded`];
    return true;
  }
  return false;
}

/**
 * Max(Min(x, hi), lo) (either order) with scalar bounds is Clip(x, lo, hi), and Clip(Relu(x), lo ≥ 0, hi) is
 * Clip(x, lo, hi): TF's relu6 exported as Relu, Minimum, Maximum becomes one Clip, which onnxruntime fuses into the
 * conv before it (three passes over the activation become none).
 */
function fuseClamps(graph: OnnxGraph): void {
  const index = indexGraph(graph);
  for (const outer of [...graph.nodes]) {
    if (outer.opType !== 'Max' && outer.opType !== 'Min') continue;
    const innerOp = outer.opType === 'Max' ? 'Min' : 'Max';
    const oIdx = outer.inputs.findIndex((i) => floatScalarOf(graph, i) !== undefined);
    if (oIdx < 0 || outer.inputs.length !== 2) continue;
    const inner = index.producer.get(outer.inputs[1 - oIdx]);
    if (!inner || inner.opType !== innerOp || inner.inputs.length !== 2 || soleConsumer(index, inner.outputs[0]) !== outer) continue;
    const iIdx = inner.inputs.findIndex((i) => floatScalarOf(graph, i) !== undefined);
    if (iIdx < 0) continue;
    const [lo, hi] = outer.opType === 'Max' ? [outer.inputs[oIdx], inner.inputs[iIdx]] : [inner.inputs[iIdx], outer.inputs[oIdx]];
    // With lo > hi the two orders differ from each other and from Clip: leave them.
    if (floatScalarOf(graph, lo)! > floatScalarOf(graph, hi)!) continue;
    let x = inner.inputs[1 - iIdx];
    const relu = index.producer.get(x);
    if (relu && relu.opType === 'Relu' && floatScalarOf(graph, lo)! >= 0 && soleConsumer(index, x) === inner) x = relu.inputs[0];
    Object.assign(outer, { opType: 'Clip', inputs: [x, lo, hi], attrs: {} });
  }
  removeDeadNodes(graph);
}

interface ClipMatch {
  clip: OnnxNode;
  add: OnnxNode;
  x: string;
}

/** Clip(0, 6) of Add(x, 3): the relu6(x + 3) at the heart of TF's hard-swish and hard-sigmoid. */
function relu6Plus3(graph: OnnxGraph, index: GraphIndex, clip: OnnxNode): ClipMatch | undefined {
  if (clip.opType !== 'Clip' || floatScalarOf(graph, clip.inputs[1]) !== 0 || floatScalarOf(graph, clip.inputs[2]) !== 6) return undefined;
  const add = index.producer.get(clip.inputs[0]);
  if (!add || add.opType !== 'Add' || soleConsumer(index, add.outputs[0]) !== clip) return undefined;
  const three = add.inputs.findIndex((i) => floatScalarOf(graph, i) === 3);
  if (three < 0) return undefined;
  return { clip, add, x: add.inputs[1 - three] };
}

/**
 * TF's hard-swish is `(c·x)·relu6(x + 3)` with c = 1/6 as stored (0.166626 in float16). That equals
 * `HardSwish(x)·6c`, so the fused op is exact once the 6c factor is kept (and later folded into a conv).
 */
function fuseHardSwish(graph: OnnxGraph): void {
  const index = indexGraph(graph);
  for (const clip of [...graph.nodes]) {
    const m = relu6Plus3(graph, index, clip);
    if (!m) continue;
    const outer = soleConsumer(index, clip.outputs[0]);
    if (!outer || outer.opType !== 'Mul') continue;
    const scaled = index.producer.get(otherInput(outer, clip.outputs[0]) ?? '');
    if (!scaled || scaled.opType !== 'Mul' || soleConsumer(index, scaled.outputs[0]) !== outer) continue;
    const cIdx = scaled.inputs.findIndex((i) => floatScalarOf(graph, i) !== undefined);
    if (cIdx < 0 || scaled.inputs[1 - cIdx] !== m.x) continue;
    const c = floatScalarOf(graph, scaled.inputs[cIdx])!;
    const hs = `${m.x}/hardswish`;
    graph.nodes.splice(graph.nodes.indexOf(outer), 0, { name: `${hs}#node`, opType: 'HardSwish', inputs: [m.x], outputs: [hs], attrs: {} });
    const factor = `${hs}/scale`;
    graph.initializers.set(factor, floatTensor([], [6 * c]));
    outer.inputs = [hs, factor];
  }
  removeDeadNodes(graph);
}

/** `relu6(y + 3)·c` = `HardSigmoid(y)·6c` (alpha 1/6, beta 1/2): exact, and ORT fuses it into the conv before. */
function fuseHardSigmoid(graph: OnnxGraph): void {
  const index = indexGraph(graph);
  for (const clip of [...graph.nodes]) {
    const m = relu6Plus3(graph, index, clip);
    if (!m) continue;
    const mul = soleConsumer(index, clip.outputs[0]);
    const c = mul && mul.opType === 'Mul' ? floatScalarOf(graph, otherInput(mul, clip.outputs[0]) ?? '') : undefined;
    if (!mul || c === undefined) continue;
    const hsig = `${m.x}/hardsigmoid`;
    graph.nodes.splice(graph.nodes.indexOf(mul), 0, {
      name: `${hsig}#node`,
      opType: 'HardSigmoid',
      inputs: [m.x],
      outputs: [hsig],
      attrs: { alpha: attr.float(1 / 6), beta: attr.float(0.5) },
    });
    const factor = `${hsig}/scale`;
    graph.initializers.set(factor, floatTensor([], [6 * c]));
    mul.inputs = [hsig, factor];
  }
  removeDeadNodes(graph);
}

/** For Add(s·a, b): the Conv producing b, when b feeds nothing else (so it can be scaled by 1/s). */
function rescalableAddend(graph: OnnxGraph, index: GraphIndex, add: OnnxNode, value: string): OnnxNode | undefined {
  const other = otherInput(add, value);
  if (other === undefined || other === value) return undefined;
  const conv = index.producer.get(other);
  if (!conv || conv.opType !== 'Conv' || !init(graph, conv.inputs[1]) || soleConsumer(index, other) !== add) return undefined;
  return conv;
}

/** Can `node` take `s·x` in place of `x` and still be made exact by scaling later (or now)? */
function absorbsScalar(graph: OnnxGraph, index: GraphIndex, node: OnnxNode, value: string): boolean {
  if (node.opType === 'Conv') return node.inputs[0] === value && node.inputs[1] !== value && init(graph, node.inputs[1]) !== undefined;
  if (node.opType === 'GlobalAveragePool') return true;
  if (node.opType === 'Add') return rescalableAddend(graph, index, node, value) !== undefined;
  if (node.opType !== 'Mul') return false;
  const other = otherInput(node, value);
  return other !== undefined && other !== value && floatScalarOf(graph, other) === undefined;
}

/**
 * Moves a multiply-by-scalar downstream, through elementwise Muls and global pools, until convs absorb it
 * into their weights (conv is linear in its input): the pass over the tensor disappears.
 */
function sinkScalarMul(graph: OnnxGraph): boolean {
  const index = indexGraph(graph);
  for (const mul of graph.nodes) {
    if (mul.opType !== 'Mul') continue;
    const sIdx = mul.inputs.findIndex((i) => floatScalarOf(graph, i) !== undefined);
    if (sIdx < 0) continue;
    const scale = mul.inputs[sIdx];
    const s = floatScalarOf(graph, scale)!;
    const a = mul.inputs[1 - sIdx];
    const out = mul.outputs[0];
    const consumers = index.consumers.get(out) ?? [];
    if (index.graphOutputs.has(out) || consumers.length === 0 || !consumers.every((c) => absorbsScalar(graph, index, c, out))) continue;
    for (const c of consumers) {
      if (c.opType === 'Conv') {
        const w = ownInitializer(graph, index, c, 1);
        for (let i = 0; i < w.length; i++) w[i] *= s;
        c.inputs[0] = a;
        continue;
      }
      if (c.opType === 'Add') {
        // conv + s·a = s·(conv/s + a): the other branch's conv takes 1/s, the sum is rescaled below.
        const conv = rescalableAddend(graph, index, c, out)!;
        for (const slot of conv.inputs.length > 2 ? [1, 2] : [1]) {
          const t = ownInitializer(graph, index, conv, slot);
          for (let i = 0; i < t.length; i++) t[i] /= s;
        }
      }
      // f(s·a) = s·f(a) for these: compute on `a`, then rescale the result.
      const result = c.outputs[0];
      const unscaled = `${result}/unscaled`;
      c.inputs = c.inputs.map((i) => (i === out ? a : i));
      c.outputs = [unscaled];
      graph.nodes.splice(graph.nodes.indexOf(c) + 1, 0, { name: `${result}/rescale#node`, opType: 'Mul', inputs: [unscaled, scale], outputs: [result], attrs: {} });
    }
    return true;
  }
  return false;
}
