import { attr, indexGraph, type GraphIndex, type OnnxGraph, type OnnxNode } from './onnx-ir.js';
import { floatTensor, type ConstTensor } from './tensor.js';

/**
 * ORT runs convs in a blocked layout (NCHWc, 8 or 16 channels per block), but only takes a depthwise conv
 * into it when its channel count fills whole blocks; otherwise it falls back to plain NCHW with reorders
 * around it. Centernet's head has such odd widths (18, 22, 24 channels). Padding the chain
 * `conv → [Relu] → depthwise → conv` with zero channels is exact: the extra channels stay 0 all the way
 * and the last conv gives them zero weights.
 */
export function padDepthwiseChannels(graph: OnnxGraph, block = 16): void {
  const index = indexGraph(graph);
  for (const dw of graph.nodes) {
    const chain = matchChain(graph, index, dw);
    if (!chain) continue;
    const channels = chain.dwWeights.shape[0];
    if (channels % block === 0) continue;
    const padded = Math.ceil(channels / block) * block;
    const { producer, consumer } = chain;
    setInit(graph, producer, 1, padAxis(chain.producerWeights, 0, padded));
    if (producer.inputs[2]) setInit(graph, producer, 2, padAxis(graph.initializers.get(producer.inputs[2])!, 0, padded));
    setInit(graph, dw, 1, padAxis(chain.dwWeights, 0, padded));
    if (dw.inputs[2]) setInit(graph, dw, 2, padAxis(graph.initializers.get(dw.inputs[2])!, 0, padded));
    dw.attrs.group = attr.int(padded);
    setInit(graph, consumer, 1, padAxis(chain.consumerWeights, 1, padded));
  }
}

interface Chain {
  producer: OnnxNode;
  consumer: OnnxNode;
  producerWeights: ConstTensor;
  dwWeights: ConstTensor;
  consumerWeights: ConstTensor;
}

function matchChain(graph: OnnxGraph, index: GraphIndex, dw: OnnxNode): Chain | undefined {
  const weight = (n: OnnxNode): ConstTensor | undefined => graph.initializers.get(n.inputs[1]);
  const only = (value: string): OnnxNode | undefined => {
    const c = index.consumers.get(value) ?? [];
    return c.length === 1 && !index.graphOutputs.has(value) ? c[0] : undefined;
  };
  const dwWeights = dw.opType === 'Conv' ? weight(dw) : undefined;
  const group = dw.attrs.group?.type === 'int' ? dw.attrs.group.value : 1;
  if (!dwWeights || dwWeights.shape[1] !== 1 || group !== dwWeights.shape[0] || group === 1) return undefined;
  let source = index.producer.get(dw.inputs[0]);
  if (source?.opType === 'Relu' && only(source.outputs[0]) === dw) source = index.producer.get(source.inputs[0]);
  const producer = source;
  if (!producer || producer.opType !== 'Conv' || (producer.attrs.group?.type === 'int' && producer.attrs.group.value !== 1)) return undefined;
  const producerOut = producer.outputs[0];
  const direct = only(producerOut);
  if (!direct || (direct !== dw && only(direct.outputs[0]) !== dw)) return undefined;
  const consumer = only(dw.outputs[0]);
  const producerWeights = weight(producer);
  const consumerWeights = consumer && consumer.opType === 'Conv' ? weight(consumer) : undefined;
  if (!producerWeights || !consumer || !consumerWeights) return undefined;
  if (consumer.attrs.group?.type === 'int' && consumer.attrs.group.value !== 1) return undefined;
  return { producer, consumer, producerWeights, dwWeights, consumerWeights };
}

function setInit(graph: OnnxGraph, node: OnnxNode, slot: number, tensor: ConstTensor): void {
  const name = `${node.inputs[slot]}/padded`;
  graph.initializers.set(name, tensor);
  node.inputs[slot] = name;
}

/** Zero-pads `axis` of a float tensor to `size`. */
function padAxis(t: ConstTensor, axis: number, size: number): ConstTensor {
  const shape = [...t.shape];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src = t.data as Float32Array;
  const out = new Float32Array(outer * size * inner);
  for (let o = 0; o < outer; o++) {
    out.set(src.subarray(o * shape[axis] * inner, (o + 1) * shape[axis] * inner), o * size * inner);
  }
  shape[axis] = size;
  return floatTensor(shape, out);
}
