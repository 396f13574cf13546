import type { ConstTensor } from './tensor.js';

/** The small in-memory ONNX graph the converter builds and the optimiser rewrites. */
export type OnnxAttr =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string };

export const attr = {
  int: (value: number): OnnxAttr => ({ type: 'int', value }),
  float: (value: number): OnnxAttr => ({ type: 'float', value }),
  ints: (value: number[]): OnnxAttr => ({ type: 'ints', value }),
  floats: (value: number[]): OnnxAttr => ({ type: 'floats', value }),
  string: (value: string): OnnxAttr => ({ type: 'string', value }),
};

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

export type ElemType = 'float32' | 'int32' | 'int64' | 'bool';

export interface ValueInfo {
  name: string;
  elemType: ElemType;
  /** Numbers are fixed sizes, strings are symbolic dims; null = shape left out. */
  dims: (number | string)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Map<string, ConstTensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  opset: number;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
}

/** Index of who produces and who consumes each value, rebuilt after each rewrite. */
export interface GraphIndex {
  producer: Map<string, OnnxNode>;
  consumers: Map<string, OnnxNode[]>;
  graphOutputs: Set<string>;
}

export function indexGraph(graph: OnnxGraph): GraphIndex {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    for (const out of node.outputs) producer.set(out, node);
    for (const inp of node.inputs) {
      if (!inp) continue;
      const list = consumers.get(inp);
      if (list) list.push(node);
      else consumers.set(inp, [node]);
    }
  }
  return { producer, consumers, graphOutputs: new Set(graph.outputs.map((o) => o.name)) };
}

/** Drops nodes whose outputs nobody needs and initializers nobody reads. */
export function removeDeadNodes(graph: OnnxGraph): void {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept: OnnxNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const inp of node.inputs) if (inp) needed.add(inp);
  }
  graph.nodes = kept.reverse();
  for (const name of [...graph.initializers.keys()]) if (!needed.has(name)) graph.initializers.delete(name);
}

export function renameValue(graph: OnnxGraph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.outputs = node.outputs.map((o) => (o === from ? to : o));
    node.inputs = node.inputs.map((i) => (i === from ? to : i));
  }
}
