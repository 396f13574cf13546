import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertGraph } from '../../src/models/convert.js';
import { parseTfjsGraph } from '../../src/models/tfjs-graph.js';
import { GraphBuilder, at, expectSameAsTfjs, type Quant } from '../converter-builder.js';
import { randomArray, seeded } from '../converter-helpers.js';

const rand = seeded(7);
const feed = (shape: number[], lo = -1, hi = 1) => ({ data: randomArray(shape.reduce((a, b) => a * b, 1), rand, lo, hi), shape });
const weights = (n: number) => randomArray(n, rand, -0.5, 0.5);
const conv = (strides: number, padding: string, dilations = 1) => ({
  strides: at.ints([1, strides, strides, 1]),
  padding: at.s(padding),
  dilations: at.ints([1, dilations, dilations, 1]),
  data_format: at.s('NHWC'),
});

describe('conv ops vs TFJS', () => {
  for (const [h, w, k, s] of [
    [7, 9, 3, 2],
    [8, 8, 5, 2],
    [6, 5, 3, 1],
  ]) {
    test(`Conv2D SAME ${h}x${w} kernel ${k} stride ${s} (TF puts the odd pad pixel at the end)`, async () => {
      const g = new GraphBuilder();
      g.op('y', 'Conv2D', [g.input('x', [1, h, w, 3]), g.const('w', weights(k * k * 3 * 4), [k, k, 3, 4])], conv(s, 'SAME'));
      await expectSameAsTfjs(g, { x: feed([1, h, w, 3]) }, ['y']);
    });
  }

  test('_FusedConv2D VALID, dilation 2, BiasAdd + Relu6', async () => {
    const g = new GraphBuilder();
    const inputs = [g.input('x', [1, 9, 9, 2]), g.const('w', weights(3 * 3 * 2 * 5), [3, 3, 2, 5]), g.const('b', weights(5), [5])];
    g.op('y', '_FusedConv2D', inputs, { ...conv(1, 'VALID', 2), fused_ops: at.strs(['BiasAdd', 'Relu6']), num_args: at.i(1) });
    await expectSameAsTfjs(g, { x: feed([1, 9, 9, 2], -10, 10) }, ['y']);
  });

  test('_FusedConv2D BiasAdd + Prelu', async () => {
    const g = new GraphBuilder();
    const inputs = [g.input('x', [1, 6, 6, 3]), g.const('w', weights(3 * 4), [1, 1, 3, 4]), g.const('b', weights(4), [4]), g.const('alpha', weights(4), [4])];
    g.op('y', '_FusedConv2D', inputs, { ...conv(1, 'SAME'), fused_ops: at.strs(['BiasAdd', 'Prelu']), num_args: at.i(2) });
    await expectSameAsTfjs(g, { x: feed([1, 6, 6, 3]) }, ['y']);
  });

  test('DepthwiseConv2dNative with channel multiplier 2, stride 2 SAME', async () => {
    const g = new GraphBuilder();
    g.op('y', 'DepthwiseConv2dNative', [g.input('x', [1, 7, 6, 3]), g.const('w', weights(3 * 3 * 3 * 2), [3, 3, 3, 2])], conv(2, 'SAME'));
    await expectSameAsTfjs(g, { x: feed([1, 7, 6, 3]) }, ['y']);
  });

  test('FusedDepthwiseConv2dNative BiasAdd + Relu, 5x5', async () => {
    const g = new GraphBuilder();
    const inputs = [g.input('x', [1, 8, 8, 4]), g.const('w', weights(5 * 5 * 4), [5, 5, 4, 1]), g.const('b', weights(4), [4])];
    g.op('y', 'FusedDepthwiseConv2dNative', inputs, { ...conv(1, 'SAME'), fused_ops: at.strs(['BiasAdd', 'Relu']), num_args: at.i(1) });
    await expectSameAsTfjs(g, { x: feed([1, 8, 8, 4]) }, ['y']);
  });

  for (const quant of ['float16', 'uint8', 'uint16'] as Quant[]) {
    test(`conv with ${quant}-quantised weights decodes like TFJS`, async () => {
      const g = new GraphBuilder();
      const inputs = [g.input('x', [1, 5, 5, 3]), g.const('w', weights(3 * 3 * 3 * 2), [3, 3, 3, 2], 'float32', quant), g.const('b', weights(2), [2], 'float32', quant)];
      g.op('y', '_FusedConv2D', inputs, { ...conv(1, 'SAME'), fused_ops: at.strs(['BiasAdd']), num_args: at.i(1) });
      await expectSameAsTfjs(g, { x: feed([1, 5, 5, 3]) }, ['y']);
    });
  }
});

describe('pooling and resize vs TFJS', () => {
  test('MaxPool 3x3 stride 1 SAME and 2x2 stride 2 SAME on an odd size', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 7, 5, 2]);
    g.op('a', 'MaxPool', [x], { ksize: at.ints([1, 3, 3, 1]), ...conv(1, 'SAME') });
    g.op('b', 'MaxPool', [x], { ksize: at.ints([1, 2, 2, 1]), ...conv(2, 'SAME') });
    await expectSameAsTfjs(g, { x: feed([1, 7, 5, 2]) }, ['a', 'b']);
  });

  test('AvgPool 3x3 stride 2 SAME averages real pixels only', async () => {
    const g = new GraphBuilder();
    g.op('y', 'AvgPool', [g.input('x', [1, 6, 7, 2])], { ksize: at.ints([1, 3, 3, 1]), ...conv(2, 'SAME') });
    await expectSameAsTfjs(g, { x: feed([1, 6, 7, 2]) }, ['y']);
  });

  const resizeCases: [string, number[], boolean, boolean][] = [
    ['x2 legacy (asymmetric)', [8, 10], false, false],
    ['non-integral size', [7, 11], false, false],
    ['align_corners', [7, 9], true, false],
    ['half_pixel_centers', [8, 10], false, true],
  ];
  for (const [label, size, alignCorners, halfPixel] of resizeCases) {
    test(`ResizeBilinear ${label}`, async () => {
      const g = new GraphBuilder();
      g.op('y', 'ResizeBilinear', [g.input('x', [1, 4, 5, 3]), g.const('size', size, [2], 'int32')], {
        align_corners: at.b(alignCorners),
        half_pixel_centers: at.b(halfPixel),
      });
      await expectSameAsTfjs(g, { x: feed([1, 4, 5, 3]) }, ['y']);
    });
  }
});

describe('elementwise ops vs TFJS (NCHW activations meet NHWC constants)', () => {
  const binary = ['Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum', 'BiasAdd'];
  for (const op of binary) {
    test(`${op} of a conv output and a per-channel constant`, async () => {
      const g = new GraphBuilder();
      const c = g.op('c', 'Conv2D', [g.input('x', [1, 4, 4, 2]), g.const('w', weights(6), [1, 1, 2, 3])], conv(1, 'SAME'));
      g.op('y', op, [c, g.const('k', randomArray(3, rand, 0.5, 2), [3])]);
      await expectSameAsTfjs(g, { x: feed([1, 4, 4, 2]) }, ['y']);
    });
  }

  test('a [1,1,1,C] constant and a scalar on the left', async () => {
    const g = new GraphBuilder();
    const c = g.op('c', 'Conv2D', [g.input('x', [1, 3, 5, 2]), g.const('w', weights(8), [1, 1, 2, 4])], conv(1, 'SAME'));
    const m = g.op('m', 'Mul', [c, g.const('k', weights(4), [1, 1, 1, 4])]);
    g.op('y', 'Sub', [g.const('s', [0.25], []), m]);
    await expectSameAsTfjs(g, { x: feed([1, 3, 5, 2]) }, ['y']);
  });

  for (const op of ['Relu', 'Relu6', 'Sigmoid', 'Tanh', 'Elu', 'Softmax', 'Rsqrt', 'LeakyRelu', 'Identity']) {
    test(`${op} on a conv output`, async () => {
      const g = new GraphBuilder();
      const c = g.op('c', 'Conv2D', [g.input('x', [1, 3, 3, 2]), g.const('w', weights(6), [1, 1, 2, 3])], conv(1, 'SAME'));
      const arg = op === 'Rsqrt' ? g.op('abs', 'Abs', [c]) : c;
      g.op('y', op, [arg], op === 'LeakyRelu' ? { alpha: at.f(0.1) } : {});
      await expectSameAsTfjs(g, { x: feed([1, 3, 3, 2], -8, 8) }, ['y'], op === 'Rsqrt' ? 1e-3 : 1e-4);
    });
  }
});

describe('clamps become one Clip (exact, fused by onnxruntime into the conv)', () => {
  const clampGraph = (first: 'Minimum' | 'Maximum', lo: number, hi: number, relu: boolean) => {
    const g = new GraphBuilder();
    let c = g.op('c', 'Conv2D', [g.input('x', [1, 4, 4, 2]), g.const('w', weights(6), [1, 1, 2, 3])], conv(1, 'SAME'));
    if (relu) c = g.op('r', 'Relu', [c]);
    const [a, b] = first === 'Minimum' ? [hi, lo] : [lo, hi];
    const inner = g.op('inner', first, [c, g.const('a', [a], [])]);
    g.op('y', first === 'Minimum' ? 'Maximum' : 'Minimum', [inner, g.const('b', [b], [])]);
    return g;
  };
  const opsOf = (g: GraphBuilder) => {
    const { json, weights: w } = g.build();
    return convertGraph(parseTfjsGraph(json, w), { outputs: ['y'] }).graph.nodes.map((n) => n.opType);
  };

  for (const [first, relu] of [['Minimum', true], ['Maximum', false], ['Minimum', false]] as const) {
    test(`${relu ? 'Relu, ' : ''}${first} then the other: one Clip, same values as TFJS`, async () => {
      const g = clampGraph(first, 0, 6, relu);
      assert.deepEqual(opsOf(g).filter((op) => op !== 'Transpose'), ['Conv', 'Clip']);
      await expectSameAsTfjs(g, { x: feed([1, 4, 4, 2], -20, 20) }, ['y']);
    });
  }

  test('a negative lower bound keeps the Relu; crossed bounds are left as they are', async () => {
    const negative = clampGraph('Minimum', -1, 1, true);
    assert.deepEqual(opsOf(negative).filter((op) => op !== 'Transpose'), ['Conv', 'Relu', 'Clip']);
    await expectSameAsTfjs(negative, { x: feed([1, 4, 4, 2], -5, 5) }, ['y']);
    const crossed = clampGraph('Minimum', 1, -1, false);
    assert.deepEqual(opsOf(crossed).filter((op) => op !== 'Transpose'), ['Conv', 'Min', 'Max']);
    await expectSameAsTfjs(crossed, { x: feed([1, 4, 4, 2], -5, 5) }, ['y']);
  });
});
