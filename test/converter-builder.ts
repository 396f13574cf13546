import assert from 'node:assert/strict';
import type { RawNode, TfjsModelJson } from '../src/models/tfjs-graph.js';
import { maxAbsDiff, runConverted, runTfjs, type Feed } from './converter-helpers.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** TF attribute values in the JSON form model.json uses. */
export const at = {
  s: (v: string) => ({ s: b64(v) }),
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strs: (v: string[]) => ({ list: { s: v.map(b64) } }),
  type: (v: string) => ({ type: v }),
};

export type Quant = 'float16' | 'uint8' | 'uint16';

interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: Quant; min?: number; scale?: number; original_dtype: string };
}

function toHalfBits(v: number): number {
  const u = new Uint32Array(Float32Array.of(v).buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((u & 0x7fffff) >>> 13);
}

/** Builds small TFJS graph models (model.json + weights) for checking ops one at a time. */
export class GraphBuilder {
  private nodes: RawNode[] = [];
  private specs: Spec[] = [];
  private chunks: Uint8Array[] = [];

  input(name: string, shape: number[], dtype = 'DT_FLOAT'): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: at.type(dtype), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  const(name: string, values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' = 'float32', quant?: Quant): string {
    const tfType = dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({ name, op: 'Const', attr: { dtype: at.type(tfType), value: { tensor: { dtype: tfType, tensorShape: {} } } } });
    const spec: Spec = { name, shape, dtype };
    if (!quant) {
      const arr = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      this.chunks.push(new Uint8Array(arr.buffer));
    } else if (quant === 'float16') {
      spec.quantization = { dtype: quant, original_dtype: dtype };
      this.chunks.push(new Uint8Array(Uint16Array.from(Array.from(values), toHalfBits).buffer));
    } else {
      const levels = quant === 'uint8' ? 255 : 65535;
      const min = Math.min(...Array.from(values));
      const scale = (Math.max(...Array.from(values)) - min) / levels || 1;
      spec.quantization = { dtype: quant, min, scale, original_dtype: dtype };
      const q = Array.from(values, (v) => Math.round((v - min) / scale));
      this.chunks.push(new Uint8Array((quant === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
    }
    this.specs.push(spec);
    return name;
  }

  op(name: string, op: string, inputs: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input: inputs, attr: { T: at.type('DT_FLOAT'), ...attr } as RawNode['attr'] });
    return name;
  }

  build(): { json: TfjsModelJson; weights: Uint8Array } {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const weights = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      weights.set(c, offset);
      offset += c.length;
    }
    const json = {
      format: 'graph-model',
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: ['weights.bin'], weights: this.specs }],
    } as TfjsModelJson;
    return { json, weights };
  }
}

/** Runs the graph in TFJS and, converted, in onnxruntime; asserts each output agrees within `tolerance`. */
export async function expectSameAsTfjs(
  g: GraphBuilder,
  feeds: Record<string, Feed>,
  outputs: string[],
  tolerance = 1e-4,
): Promise<void> {
  const { json, weights } = g.build();
  const expected = await runTfjs(json, weights, feeds, outputs);
  const actual = await runConverted(json, weights, feeds, outputs);
  outputs.forEach((name, k) => {
    assert.deepEqual(actual[k].shape, expected[k].shape, `${name}: shape`);
    const diff = maxAbsDiff(actual[k].data, expected[k].data);
    assert.ok(diff <= tolerance, `${name}: max abs diff ${diff} > ${tolerance}`);
  });
}
