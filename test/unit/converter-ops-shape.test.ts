import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertGraph } from '../../src/models/convert.js';
import { parseTfjsGraph } from '../../src/models/tfjs-graph.js';
import { GraphBuilder, at, expectSameAsTfjs } from '../converter-builder.js';
import { randomArray, seeded } from '../converter-helpers.js';

const rand = seeded(11);
const feed = (shape: number[], lo = -1, hi = 1) => ({ data: randomArray(shape.reduce((a, b) => a * b, 1), rand, lo, hi), shape });
const conv1x1 = { strides: at.ints([1, 1, 1, 1]), padding: at.s('SAME'), data_format: at.s('NHWC'), dilations: at.ints([1, 1, 1, 1]) };

/** A conv output: an activation the converter keeps in NCHW, so layout handling is exercised. */
function convOut(g: GraphBuilder, shape: number[], outC: number): string {
  const inC = shape[3];
  return g.op('c', 'Conv2D', [g.input('x', shape), g.const('w', randomArray(inC * outC, rand), [1, 1, inC, outC])], conv1x1);
}

describe('shape ops vs TFJS', () => {
  for (const keep of [true, false]) {
    test(`Mean over H,W keep_dims=${keep}, and Sum over channels`, async () => {
      const g = new GraphBuilder();
      const c = convOut(g, [1, 4, 5, 3], 6);
      g.op('m', 'Mean', [c, g.const('ax', [1, 2], [2], 'int32')], { keep_dims: at.b(keep) });
      g.op('s', 'Sum', [c, g.const('ax3', [3], [1], 'int32')], { keep_dims: at.b(keep) });
      await expectSameAsTfjs(g, { x: feed([1, 4, 5, 3]) }, ['m', 's']);
    });
  }

  test('ConcatV2 on the channel axis, Pad, Reshape to rows', async () => {
    const g = new GraphBuilder();
    const c = convOut(g, [1, 3, 4, 2], 3);
    const cat = g.op('cat', 'ConcatV2', [c, g.op('r', 'Relu', [c]), g.const('axis', [-1], [], 'int32')], { N: at.i(2) });
    g.op('pad', 'Pad', [cat, g.const('p', [0, 0, 1, 2, 0, 1, 0, 0], [4, 2], 'int32')]);
    g.op('rows', 'Reshape', [cat, g.const('shape', [1, -1, 6], [3], 'int32')]);
    await expectSameAsTfjs(g, { x: feed([1, 3, 4, 2]) }, ['pad', 'rows']);
  });

  test('ExpandDims, Squeeze and StridedSlice with begin/end/shrink masks', async () => {
    const g = new GraphBuilder();
    const c = convOut(g, [1, 3, 4, 2], 5);
    const rows = g.op('rows', 'Reshape', [c, g.const('shape', [1, 12, 5], [3], 'int32')]);
    const slice = (name: string, begin: number[], end: number[], masks: Record<string, number>) =>
      g.op(name, 'StridedSlice', [rows, g.const(`${name}/b`, begin, [3], 'int32'), g.const(`${name}/e`, end, [3], 'int32'), g.const(`${name}/s`, [1, 1, 1], [3], 'int32')], {
        begin_mask: at.i(masks.begin ?? 0),
        end_mask: at.i(masks.end ?? 0),
        shrink_axis_mask: at.i(masks.shrink ?? 0),
        ellipsis_mask: at.i(0),
        new_axis_mask: at.i(0),
      });
    slice('keep', [0, 0, 1], [0, 0, 3], { begin: 3, end: 3 });
    slice('shrink', [0, 2, 4], [0, 7, 5], { begin: 1, end: 1, shrink: 4 });
    g.op('expand', 'ExpandDims', [rows, g.const('dim', [-1], [], 'int32')]);
    g.op('squeeze', 'Squeeze', [rows], { squeeze_dims: at.ints([0]) });
    await expectSameAsTfjs(g, { x: feed([1, 3, 4, 2]) }, ['keep', 'shrink', 'expand', 'squeeze']);
  });

  test('_FusedMatMul BiasAdd + Relu and MatMul with transpose_b', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 6]);
    const fused = g.op('fc', '_FusedMatMul', [x, g.const('w', randomArray(24, rand), [6, 4]), g.const('b', randomArray(4, rand), [4])], {
      fused_ops: at.strs(['BiasAdd', 'Relu']),
      num_args: at.i(1),
      transpose_a: at.b(false),
      transpose_b: at.b(false),
    });
    g.op('mm', 'MatMul', [fused, g.const('w2', randomArray(12, rand), [3, 4])], { transpose_a: at.b(false), transpose_b: at.b(true) });
    await expectSameAsTfjs(g, { x: feed([2, 6]) }, ['fc', 'mm']);
  });
});

describe('centernet post-processing ops vs TFJS', () => {
  test('MaxPool peak mask (Equal, Cast), TopKV2, FloorDiv, FloorMod, GatherV2', async () => {
    const g = new GraphBuilder();
    const heat = g.input('heat', [1, 4, 6, 2]);
    const pooled = g.op('pool', 'MaxPool', [heat], { ksize: at.ints([1, 3, 3, 1]), ...conv1x1 });
    const mask = g.op('mask', 'Cast', [g.op('eq', 'Equal', [heat, pooled])], { SrcT: at.type('DT_BOOL'), DstT: at.type('DT_FLOAT') });
    const peaks = g.op('peaks', 'Mul', [heat, mask]);
    const flat = g.op('flat', 'Reshape', [peaks, g.const('fs', [1, -1], [2], 'int32')]);
    g.op('top', 'TopKV2', [flat, g.const('k', [5], [], 'int32')], { sorted: at.b(true) });
    const classes = g.const('classes', [2], [], 'int32');
    const cell = g.op('cell', 'FloorDiv', ['top:1', classes], { T: at.type('DT_INT32') });
    g.op('cls', 'FloorMod', ['top:1', classes], { T: at.type('DT_INT32') });
    g.op('x', 'FloorMod', [cell, g.const('w', [6], [], 'int32')], { T: at.type('DT_INT32') });
    g.op('picked', 'GatherV2', [g.op('flatheat', 'Reshape', [heat, g.const('fs2', [-1], [1], 'int32')]), 'top:1', g.const('axis', [0], [], 'int32')], {
      batch_dims: at.i(0),
    });
    await expectSameAsTfjs(g, { heat: feed([1, 4, 6, 2], 0, 1) }, ['top', 'top:1', 'cell', 'cls', 'x', 'picked']);
  });
});

describe('converter rules', () => {
  test('an unknown op fails with the op and the node named', () => {
    const g = new GraphBuilder();
    g.op('weird/node', 'Cumsum', [g.input('x', [1, 4]), g.const('axis', [1], [], 'int32')]);
    const { json, weights } = g.build();
    assert.throws(() => convertGraph(parseTfjsGraph(json, weights), { outputs: ['weird/node'] }), /unsupported op Cumsum at node weird\/node/);
  });

  test('TF hard-swish with the stored 1/6 (0.166626) becomes HardSwish and stays exact', async () => {
    const g = new GraphBuilder();
    const c = convOut(g, [1, 5, 5, 3], 4);
    const scaled = g.op('hs/mul', 'Mul', [g.const('hs/c', [1 / 6], [], 'float32', 'float16'), c]);
    const relu6 = g.op('hs/relu6', 'Relu6', [g.op('hs/add', 'Add', [c, g.const('hs/three', [3], [], 'float32', 'float16')])]);
    const hs = g.op('hs/out', 'Mul', [scaled, relu6]);
    g.op('y', 'Conv2D', [hs, g.const('w2', randomArray(8, rand), [1, 1, 4, 2])], conv1x1);
    const { json, weights } = g.build();
    const ops = convertGraph(parseTfjsGraph(json, weights), { outputs: ['y'] }).graph.nodes.map((n) => n.opType);
    assert.ok(ops.includes('HardSwish'), `ops: ${ops.join(',')}`);
    assert.ok(!ops.includes('Clip') && !ops.includes('Mul'), `the 6c factor is folded into the next conv: ${ops.join(',')}`);
    await expectSameAsTfjs(g, { x: feed([1, 5, 5, 3], -6, 6) }, ['y'], 1e-5);
  });

  test('an 18-channel conv → relu → depthwise → conv chain is zero-padded to whole 16-channel blocks, exactly', async () => {
    const g = new GraphBuilder();
    const same = { ...conv1x1 };
    const fused = { ...same, fused_ops: at.strs(['BiasAdd', 'Relu']), num_args: at.i(1) };
    const narrow = g.op('narrow', '_FusedConv2D', [g.input('x', [1, 6, 7, 8]), g.const('nw', randomArray(8 * 18, rand), [1, 1, 8, 18]), g.const('nb', randomArray(18, rand), [18])], fused);
    const dw = g.op('dw', 'DepthwiseConv2dNative', [narrow, g.const('dww', randomArray(25 * 18, rand), [5, 5, 18, 1])], same);
    g.op('y', 'Conv2D', [dw, g.const('pw', randomArray(18 * 4, rand), [1, 1, 18, 4])], same);
    const { json, weights } = g.build();
    const model = convertGraph(parseTfjsGraph(json, weights), { outputs: ['y'] });
    const depthwise = model.graph.nodes.find((n) => n.opType === 'Conv' && n.attrs.group?.type === 'int' && n.attrs.group.value > 1);
    assert.deepEqual(depthwise?.attrs.group, { type: 'int', value: 32 });
    await expectSameAsTfjs(g, { x: feed([1, 6, 7, 8]) }, ['y'], 1e-5);
  });

  test('a hard-swish factor is carried through a squeeze-excite gate and a residual add into the next convs', async () => {
    const g = new GraphBuilder();
    const c = convOut(g, [1, 4, 4, 4], 4);
    // A factor far from 1/6 (0.2 → ×1.2) so that losing it anywhere would show.
    const scaled = g.op('hs/mul', 'Mul', [g.const('hs/c', [0.2], []), c]);
    const hs = g.op('hs/out', 'Mul', [scaled, g.op('hs/relu6', 'Relu6', [g.op('hs/add', 'Add', [c, g.const('hs/three', [3], [])])])]);
    const pooled = g.op('se/mean', 'Mean', [hs, g.const('se/axes', [1, 2], [2], 'int32')], { keep_dims: at.b(true) });
    const gate = g.op('se/sigmoid', 'Sigmoid', [g.op('se/conv', 'Conv2D', [pooled, g.const('se/w', randomArray(16, rand), [1, 1, 4, 4])], conv1x1)]);
    const gated = g.op('se/mul', 'Mul', [gate, hs]);
    const branch = g.op('branch', 'Conv2D', [gated, g.const('bw', randomArray(16, rand), [1, 1, 4, 4])], conv1x1);
    const residual = g.op('residual', 'AddV2', [branch, hs]);
    g.op('y', 'Conv2D', [residual, g.const('w2', randomArray(8, rand), [1, 1, 4, 2])], conv1x1);
    const { json, weights } = g.build();
    const ops = convertGraph(parseTfjsGraph(json, weights), { outputs: ['y'] }).graph.nodes.map((n) => n.opType);
    assert.equal(ops.filter((op) => op === 'Mul').length, 1, `only the gate multiply is left: ${ops.join(',')}`);
    await expectSameAsTfjs(g, { x: feed([1, 4, 4, 4], -6, 6) }, ['y'], 1e-5);
  });
});

describe('reading TFJS weights', () => {
  test('weights shorter than the manifest says are refused, naming the weight', () => {
    const g = new GraphBuilder();
    g.op('y', 'Relu', [g.op('s', 'Add', [g.input('x', [1, 2]), g.const('k', [1, 2], [2])])]);
    const { json } = g.build();
    assert.throws(() => parseTfjsGraph(json, new Uint8Array(4)), /weight k runs past the end of the weight shards/);
  });
});
