import { float16ToFloat32, sizeOf, type ConstTensor } from './tensor.js';

/** A decoded attribute of a TF NodeDef, as found in a TFJS model.json. */
export type TfAttr =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'type'; value: string }
  | { kind: 'shape'; value: number[] | null }
  | { kind: 'list'; ints: number[]; floats: number[]; strings: string[] }
  | { kind: 'other' };

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as `node` or `node:k`; control inputs (`^node`) are dropped. */
  inputs: string[];
  attrs: Record<string, TfAttr>;
}

export interface TfGraph {
  nodes: TfNode[];
  /** Const node name → value. */
  weights: Map<string, ConstTensor>;
  /** Output names from the signature, when model.json has one. */
  signatureOutputs: string[];
  /** Raw model.json, kept for the reference runner in tests. */
  modelJson: TfjsModelJson;
}

interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  min?: number;
  scale?: number;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: WeightQuantization;
}
export interface TfjsModelJson {
  format?: string;
  modelTopology: { node: RawNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  signature?: unknown;
  userDefinedMetadata?: { signature?: unknown };
}
export interface RawNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, Record<string, unknown>>;
}

export class TfjsFormatError extends Error {}

export function parseTfjsGraph(json: TfjsModelJson, weightData: Uint8Array, source = 'model.json'): TfGraph {
  const weights = decodeWeights(json, weightData, source);
  const nodes = json.modelTopology.node.map(parseNode);
  return { nodes, weights, signatureOutputs: signatureOutputs(json), modelJson: json };
}

function signatureOutputs(json: TfjsModelJson): string[] {
  const sig = (json.signature ?? json.userDefinedMetadata?.signature) as
    | { outputs?: Record<string, { name: string }> }
    | undefined;
  return sig?.outputs ? Object.values(sig.outputs).map((o) => o.name.replace(/:0$/, '')) : [];
}

function decodeWeights(json: TfjsModelJson, data: Uint8Array, source: string): Map<string, ConstTensor> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const weights = new Map<string, ConstTensor>();
  let offset = 0;
  for (const group of json.weightsManifest) {
    for (const spec of group.weights) {
      const n = sizeOf(spec.shape);
      const q = spec.quantization;
      const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : spec.dtype === 'bool' ? 1 : 4;
      const end = offset + n * bytesPer;
      if (end > data.byteLength) {
        throw new TfjsFormatError(`${source}: weight ${spec.name} runs past the end of the weight shards`);
      }
      weights.set(spec.name, decodeOne(spec, view, offset, n, source));
      offset = end;
    }
  }
  return weights;
}

function decodeOne(spec: WeightSpec, view: DataView, offset: number, n: number, source: string): ConstTensor {
  const q = spec.quantization;
  if (q) {
    const out = new Float32Array(n);
    if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const v = q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
        out[i] = v * scale + min;
      }
    } else {
      throw new TfjsFormatError(`${source}: weight ${spec.name} has unsupported quantization ${String(q.dtype)}`);
    }
    if (spec.dtype === 'int32') return { dtype: 'int32', shape: spec.shape, data: Int32Array.from(out, Math.round) };
    return { dtype: 'float32', shape: spec.shape, data: out };
  }
  switch (spec.dtype) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, true);
      return { dtype: 'float32', shape: spec.shape, data: out };
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, true);
      return { dtype: 'int32', shape: spec.shape, data: out };
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(offset + i) ? 1 : 0;
      return { dtype: 'bool', shape: spec.shape, data: out };
    }
    default:
      throw new TfjsFormatError(`${source}: weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
}

function parseNode(raw: RawNode): TfNode {
  const attrs: Record<string, TfAttr> = {};
  for (const [key, value] of Object.entries(raw.attr ?? {})) attrs[key] = parseAttr(value);
  const inputs = (raw.input ?? []).filter((i) => !i.startsWith('^')).map((i) => i.replace(/:0$/, ''));
  return { name: raw.name, op: raw.op, inputs, attrs };
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function parseAttr(v: Record<string, unknown>): TfAttr {
  if ('s' in v) return { kind: 'string', value: b64(v.s as string) };
  if ('i' in v) return { kind: 'int', value: Number(v.i) };
  if ('f' in v) return { kind: 'float', value: Number(v.f) };
  if ('b' in v) return { kind: 'bool', value: Boolean(v.b) };
  if ('type' in v) return { kind: 'type', value: String(v.type) };
  if ('shape' in v) {
    const shape = v.shape as { dim?: { size?: string }[]; unknownRank?: boolean };
    return { kind: 'shape', value: shape.unknownRank ? null : (shape.dim ?? []).map((d) => Number(d.size ?? -1)) };
  }
  if ('list' in v) {
    const list = v.list as { i?: string[]; f?: number[]; s?: string[] };
    return {
      kind: 'list',
      ints: (list.i ?? []).map(Number),
      floats: (list.f ?? []).map(Number),
      strings: (list.s ?? []).map(b64),
    };
  }
  return { kind: 'other' };
}

/** Typed attribute getters that name the node when the graph does not match expectations. */
export function attrString(node: TfNode, key: string, fallback?: string): string {
  const a = node.attrs[key];
  if (a?.kind === 'string') return a.value;
  if (fallback !== undefined) return fallback;
  throw new TfjsFormatError(`node ${node.name} (${node.op}): missing string attribute ${key}`);
}

export function attrInts(node: TfNode, key: string, fallback?: number[]): number[] {
  const a = node.attrs[key];
  if (a?.kind === 'list' && a.ints.length > 0) return a.ints;
  if (fallback !== undefined) return fallback;
  throw new TfjsFormatError(`node ${node.name} (${node.op}): missing int list attribute ${key}`);
}

export function attrStrings(node: TfNode, key: string): string[] {
  const a = node.attrs[key];
  return a?.kind === 'list' ? a.strings : [];
}

export function attrNumber(node: TfNode, key: string, fallback: number): number {
  const a = node.attrs[key];
  return a?.kind === 'int' || a?.kind === 'float' ? a.value : fallback;
}

export function attrBool(node: TfNode, key: string, fallback: boolean): boolean {
  const a = node.attrs[key];
  return a?.kind === 'bool' ? a.value : fallback;
}
