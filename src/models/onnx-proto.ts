import { endianness } from 'node:os';
import type { ElemType, OnnxAttr, OnnxGraph, OnnxModel, OnnxNode, ValueInfo } from './onnx-ir.js';
import type { ConstTensor } from './tensor.js';

/**
 * A minimal protobuf encoder for the subset of onnx.proto the converter emits. Fields are written in a fixed
 * order from deterministic inputs, so the same graph always gives the same bytes.
 */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.scratch.push(...b);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.flushScratch();
    this.chunks.push(data);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: readonly number[]): void {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): void {
    const b = new Uint8Array(4 * values.length);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flushScratch();
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

const ELEM_TYPE: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };
const IR_VERSION = 8;

export function encodeModel(model: OnnxModel): Uint8Array {
  // Tensor bytes are copied straight from typed arrays, which ONNX expects little-endian.
  if (endianness() !== 'LE') throw new Error('writing ONNX tensors needs a little-endian CPU');
  const w = new Writer();
  w.int(1, IR_VERSION);
  w.string(2, 'pcount-tui');
  w.string(3, model.producerVersion);
  w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, model.opset);
  });
  for (const key of Object.keys(model.metadata).sort()) {
    w.message(14, (m) => {
      m.string(1, key);
      m.string(2, model.metadata[key]);
    });
  }
  return w.finish();
}

function writeGraph(w: Writer, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const [name, tensor] of graph.initializers) w.message(5, (t) => writeTensor(t, name, tensor));
  for (const vi of graph.inputs) w.message(11, (v) => writeValueInfo(v, vi));
  for (const vi of graph.outputs) w.message(12, (v) => writeValueInfo(v, vi));
}

function writeNode(w: Writer, node: OnnxNode): void {
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const key of Object.keys(node.attrs).sort()) w.message(5, (a) => writeAttr(a, key, node.attrs[key]));
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function writeAttr(w: Writer, name: string, a: OnnxAttr): void {
  w.string(1, name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
  }
  w.int(20, ATTR_TYPE[a.type]);
}

function writeTensor(w: Writer, name: string, t: ConstTensor): void {
  if (t.shape.length) w.packedInts(1, t.shape);
  w.int(2, ELEM_TYPE[t.dtype]);
  w.string(8, name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: Writer, vi: ValueInfo): void {
  w.string(1, vi.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEM_TYPE[vi.elemType]);
      if (vi.dims) {
        const dims = vi.dims;
        tensor.message(2, (shape) => {
          for (const d of dims) {
            shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
          }
        });
      }
    }),
  );
}
