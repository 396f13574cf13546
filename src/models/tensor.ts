/** A constant tensor held in memory while converting (weights, shapes, axes). */
export type ConstDType = 'float32' | 'int32' | 'int64' | 'bool';

export interface ConstTensor {
  dtype: ConstDType;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function floatTensor(shape: number[], data: Float32Array | number[]): ConstTensor {
  return { dtype: 'float32', shape, data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

export function int64Tensor(shape: number[], values: readonly number[]): ConstTensor {
  return { dtype: 'int64', shape, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** Values as plain numbers, whatever the storage type (shapes, axes, scalars). */
export function toNumbers(t: ConstTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function asFloat32(t: ConstTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(toNumbers(t));
}

/** IEEE 754 half → float; TFJS stores most weights of the human models this way. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** General N-d transpose: out[i] = in[perm-mapped i], as numpy.transpose(x, perm). */
export function transpose(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const rank = t.shape.length;
  if (perm.length !== rank) throw new Error(`transpose: perm ${perm.join(',')} does not match rank ${rank}`);
  const outShape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const src = t.data as unknown as { length: number; [i: number]: number | bigint };
  const total = sizeOf(t.shape);
  const out = new (t.data.constructor as new (n: number) => typeof t.data)(total) as unknown as {
    [i: number]: number | bigint;
  };
  const index = new Array<number>(rank).fill(0);
  const permStrides = perm.map((p) => inStrides[p]);
  for (let o = 0; o < total; o++) {
    let offset = 0;
    for (let d = 0; d < rank; d++) offset += index[d] * permStrides[d];
    out[o] = src[offset];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out as unknown as ConstTensor['data'] };
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function reshape(t: ConstTensor, shape: number[]): ConstTensor {
  if (sizeOf(shape) !== sizeOf(t.shape)) {
    throw new Error(`reshape: cannot view [${t.shape.join(',')}] as [${shape.join(',')}]`);
  }
  return { ...t, shape };
}
